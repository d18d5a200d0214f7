package io.chatstream.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC section 5: every bad request gets its status and a JSON error, never a 500, never a stream. */
class RequestErrorsTest {

    private static final int MAX_BODY = 300;
    private static TestServer server;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("chat.limits.max-body-bytes", Integer.toString(MAX_BODY),
                "chat.demo.tokens-per-second", "1000", "chat.limits.max-streams-per-client", "100",
                "chat.limits.max-messages", "5"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static HttpResponse<String> post(String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri("/api/chat"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postJson(String body) throws Exception {
        return post("application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    static void assertError(HttpResponse<String> resp, int status, String code) throws Exception {
        assertEquals(status, resp.statusCode(), resp.body());
        assertTrue(resp.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                "JSON error body");
        JsonNode error = SseRecorder.JSON.readTree(resp.body()).get("error");
        assertEquals(code, error.get("code").asText());
        assertFalse(error.get("message").asText().isBlank());
        assertFalse(resp.body().contains("Exception") || resp.body().contains("\tat "), "no stack trace");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "{", "{\"messages\":", "[]", "\"text\"", "null", "42", "{}", "{\"messages\":[]}",
        "{\"messages\":{}}", "{\"messages\":[1]}", "{\"messages\":[{}]}",
        "{\"messages\":[{\"role\":\"user\"}]}", "{\"messages\":[{\"role\":\"user\",\"content\":5}]}",
        "{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"\"}]}", "{\"messages\":[{\"role\":7,\"content\":\"x\"}]}",
        "{\"message\":\"\"}", "{\"message\":[\"x\"]}", "{\"message\":\"x\",\"temperature\":\"hot\"}",
        "{\"message\":\"x\",\"temperature\":9}", "{\"message\":\"x\",\"max_tokens\":0}",
        "{\"message\":\"x\",\"max_tokens\":1.5}", "{\"message\":\"x\",\"model\":5}", "{\"message\":\"x\"} {}",
        "{\"message\":\"x\",\"message\":\"y\"}", "{\"message\":\"x\",\"temperature\":NaN}",
        "{\"message\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"y\"}]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"y\"}],\"message\":\"x\"}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"1\"},{\"role\":\"user\",\"content\":\"2\"},"
                + "{\"role\":\"user\",\"content\":\"3\"},{\"role\":\"user\",\"content\":\"4\"},"
                + "{\"role\":\"user\",\"content\":\"5\"},{\"role\":\"user\",\"content\":\"6\"}]}"
    })
    void malformedBodiesAre400(String body) throws Exception {
        assertError(postJson(body), 400, "invalid_request");
    }

    @Test
    void deepNestingIs400() throws Exception {
        try (TestServer big = TestServer.start(Map.of())) {
            String deep = "{\"message\":\"x\",\"extra\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
            HttpResponse<String> resp = http.send(HttpRequest.newBuilder(big.uri("/api/chat"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(deep)).build(), HttpResponse.BodyHandlers.ofString());
            assertError(resp, 400, "invalid_request");
        }
    }

    @Test
    void invalidUtf8Is400() throws Exception {
        byte[] body = "{\"message\":\"ab\"}".getBytes(StandardCharsets.US_ASCII);
        body[12] = (byte) 0xC3; // a lead byte followed by an ASCII byte
        assertError(post("application/json", body), 400, "invalid_request");
        byte[] overlong = {'{', '"', 'm', 'e', 's', 's', 'a', 'g', 'e', '"', ':', '"', (byte) 0xC0, (byte) 0x80, '"',
            '}'};
        assertError(post("application/json", overlong), 400, "invalid_request");
    }

    @Test
    void wrongContentTypeIs415() throws Exception {
        byte[] ok = "{\"message\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> refused = post("text/plain", ok);
        assertError(refused, 415, "unsupported_media_type");
        // the body was not read: the connection is not reused for a next request
        assertEquals("close", refused.headers().firstValue("connection").orElse("").toLowerCase(Locale.ROOT));
        assertError(post("application/x-www-form-urlencoded", ok), 415, "unsupported_media_type");
        assertError(post(null, ok), 415, "unsupported_media_type");
        assertEquals(200, post("application/json; charset=utf-8", ok).statusCode());
    }

    @Test
    void bodyOfExactlyTheLimitIsAcceptedOneMoreIs413() throws Exception {
        String base = "{\"message\":\"x\"}";
        String exact = base.substring(0, base.length() - 1) + " ".repeat(MAX_BODY - base.length()) + "}";
        assertEquals(MAX_BODY, exact.getBytes(StandardCharsets.UTF_8).length);
        assertEquals(200, postJson(exact).statusCode());
        assertError(postJson(exact + " "), 413, "payload_too_large");
    }

    @Test
    void chunkedBodyOverTheLimitIs413() throws Exception {
        byte[] big = ("{\"message\":\"" + "x".repeat(10 * MAX_BODY) + "\"}").getBytes(StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(server.uri("/api/chat")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big)))
                .build(); // no Content-Length: chunked
        assertError(http.send(req, HttpResponse.BodyHandlers.ofString()), 413, "payload_too_large");
    }

    @Test
    void wrongMethodsAre405WithAllow() throws Exception {
        // each on a connection of its own: a server may close a connection whose request body it did not read, and
        // a request the client then sends on it (a DELETE is not retried) would fail for that reason alone
        HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri("/api/chat"))
                .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertError(put, 405, "method_not_allowed");
        assertEquals("GET, POST", put.headers().firstValue("Allow").orElse(""));
        HttpResponse<String> postStream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                server.uri("/api/chat/streams/AAAAAAAAAAAAAAAAAAAAAA")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertError(postStream, 405, "method_not_allowed");
        HttpResponse<String> deleteChat = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(server.uri("/api/chat")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertError(deleteChat, 405, "method_not_allowed");
    }

    @Test
    void unknownApiPathsAre404Json() throws Exception {
        for (String path : new String[] {"/api/nope", "/api/chat/other", "/api/chat/streams/a/b", "/api/chat/streams/"}) {
            assertError(http.send(HttpRequest.newBuilder(server.uri(path)).build(), HttpResponse.BodyHandlers.ofString()),
                    404, "not_found");
        }
    }

    @Test
    void getWithoutPromptIs400() throws Exception {
        assertError(http.send(HttpRequest.newBuilder(server.uri("/api/chat")).build(),
                HttpResponse.BodyHandlers.ofString()), 400, "invalid_request");
        assertError(http.send(HttpRequest.newBuilder(server.uri("/api/chat?prompt=")).build(),
                HttpResponse.BodyHandlers.ofString()), 400, "invalid_request");
        assertError(http.send(HttpRequest.newBuilder(server.uri("/api/chat?prompt=a&prompt=b")).build(),
                HttpResponse.BodyHandlers.ofString()), 400, "invalid_request");
    }

    @Test
    void badIdempotencyKeyIs400() throws Exception {
        HttpResponse<String> resp = http.send(HttpRequest.newBuilder(server.uri("/api/chat"))
                .header("Content-Type", "application/json").header("Idempotency-Key", "k".repeat(300))
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"x\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(resp, 400, "invalid_request");
    }
}
