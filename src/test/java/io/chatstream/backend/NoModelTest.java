package io.chatstream.backend;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An HTTP backend with no model set, asked without one: 503 naming the setting, and no stream. */
class NoModelTest {

    @ParameterizedTest
    @CsvSource({"openai, chat.openai.model", "ollama, chat.ollama.model"})
    void aRequestWithoutAModelIs503NamingTheSetting(String backend, String setting) throws Exception {
        // the base URL is never reached: no model means no upstream call
        try (TestServer s = TestServer.start(Map.of("chat.backend", backend,
                "chat." + backend + ".base-url", "http://127.0.0.1:9"))) {
            HttpResponse<String> resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(s.uri("/api/chat"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"hi\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, resp.statusCode());
            assertTrue(resp.headers().firstValue("Retry-After").isPresent());
            JsonNode error = SseRecorder.JSON.readTree(resp.body()).get("error");
            assertEquals("unavailable", error.get("code").asText());
            assertTrue(error.get("message").asText().contains(setting), error.toString());
            assertEquals(0, s.app().registry().size(), "no stream was kept");
        }
    }
}
