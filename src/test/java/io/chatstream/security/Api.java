package io.chatstream.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.testing.Await;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.TestServer;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small helpers for the security tests: requests to the API and checks of its JSON errors. */
final class Api {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    private Api() {
    }

    static HttpRequest.Builder post(TestServer s, String jsonBody) {
        return HttpRequest.newBuilder(s.uri("/api/chat")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(jsonBody));
    }

    static HttpRequest.Builder prompt(TestServer s, String text) {
        return HttpRequest.newBuilder(s.uri("/api/chat?prompt=" + URLEncoder.encode(text, StandardCharsets.UTF_8)));
    }

    static HttpRequest.Builder stream(TestServer s, String id) {
        return HttpRequest.newBuilder(s.uri("/api/chat/streams/" + id));
    }

    static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static SseRecorder open(HttpRequest.Builder b) throws Exception {
        return SseRecorder.open(HTTP, b.build());
    }

    /** Asserts a JSON error of SPEC section 5: status, code, a message, no stack trace. */
    static JsonNode assertError(HttpResponse<String> resp, int status, String code) throws Exception {
        assertEquals(status, resp.statusCode(), resp.body());
        assertTrue(resp.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                "a JSON error body: " + resp.headers().map());
        JsonNode error = SseRecorder.JSON.readTree(resp.body()).get("error");
        assertEquals(code, error.get("code").asText(), resp.body());
        assertFalse(error.get("message").asText().isBlank());
        assertFalse(resp.body().contains("Exception") || resp.body().contains("\tat "), "no stack trace");
        return error;
    }

    /** Waits up to {@code millis} for {@code condition}; true when it came. */
    static boolean await(long millis, BooleanSupplier condition) {
        return Await.until(Duration.ofMillis(millis), condition);
    }
}
