package io.chatstream.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Over real HTTP: a request whose tool fields are wrong is a 400 that says where, never a stream. */
class ToolRequestErrorsTest {

    private static TestServer server;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("chat.demo.tokens-per-second", "1000"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static HttpResponse<String> post(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(server.uri("/api/chat")).header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefused(String body, String message) throws Exception {
        HttpResponse<String> resp = post(body);
        RequestErrorsTest.assertError(resp, 400, "invalid_request");
        JsonNode error = SseRecorder.JSON.readTree(resp.body()).get("error");
        assertEquals(message, error.get("message").asText());
    }

    @Test
    void aToolResultThatAnswersNoCallIsA400NamingTheMessage() throws Exception {
        assertRefused("{\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"18C\"}]}",
                "messages[2].tool_call_id \"call_2\" answers no call of messages[1], the assistant message it"
                        + " follows.");
    }

    @Test
    void argumentsThatAreNotAJsonObjectAreA400() throws Exception {
        assertRefused("{\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
                + "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"Paris\"}}]}]}",
                "messages[1].tool_calls[0].function.arguments must be the text of a JSON object, such as"
                        + " \"{\\\"city\\\":\\\"Paris\\\"}\".");
    }

    @Test
    void aBadToolNameOrChoiceIsA400() throws Exception {
        assertRefused("{\"message\":\"hi\",\"tools\":[{\"type\":\"function\",\"function\":"
                + "{\"name\":\"get weather\"}}]}",
                "tools[0].function.name must be 1 to 64 letters, digits, '_' or '-'.");
        assertRefused("{\"message\":\"hi\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\"}}],"
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"b\"}}}",
                "tool_choice.function.name \"b\" is not one of the request's \"tools\".");
    }

    @Test
    void aWellFormedToolRequestStreams() throws Exception {
        HttpResponse<String> resp = post("{\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18C\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}],"
                + "\"tool_choice\":\"auto\"}");
        assertEquals(200, resp.statusCode(), resp.body());
        assertTrue(resp.body().contains("\"type\":\"end\""), resp.body());
    }
}
