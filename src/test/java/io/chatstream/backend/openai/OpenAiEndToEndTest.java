package io.chatstream.backend.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.backend.testing.Transcripts;
import io.chatstream.backend.upstream.Json;
import io.chatstream.testing.SseParser;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole product with {@code chat.backend=openai} over real HTTP: the dev server on port 0, a fake upstream on
 * port 0, a client reading the event stream with the strict {@link SseParser}.
 */
@Timeout(60)
class OpenAiEndToEndTest {

    private static final String KEY = "sk-e2e-9a8b7c6d5e4f";
    private static final AtomicReference<FakeUpstream.Handler> UPSTREAM = new AtomicReference<>();
    private static FakeUpstream fake;
    private static TestServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        fake = FakeUpstream.start(ex -> UPSTREAM.get().handle(ex));
        server = TestServer.start(Map.of(
                "chat.backend", "openai",
                "chat.openai.base-url", fake.url("/v1"),
                "chat.openai.api-key", KEY,
                "chat.openai.model", "deepseek-reasoner",
                "chat.stream.detach-grace-seconds", "30"));
        client = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        fake.close();
    }

    /** An open event stream: its id and a reader of its events. */
    private record Stream(String id, InputStream body, SseParser parser, List<JsonNode> events) {
        /** Reads until an event of {@code type} has arrived; returns the first one. */
        JsonNode until(String type) throws Exception {
            byte[] buffer = new byte[8192];
            while (true) {
                for (JsonNode e : events) {
                    if (e.get("type").asText().equals(type)) {
                        return e;
                    }
                }
                int n = body.read(buffer);
                if (n < 0) {
                    throw new AssertionError("the stream ended without a " + type + " event: " + events);
                }
                for (SseParser.Frame f : parser.feed(buffer, 0, n)) {
                    if (f.isEvent()) {
                        events.add(Json.parse(f.data()));
                    }
                }
            }
        }

        String concat(String type) {
            StringBuilder b = new StringBuilder();
            events.stream().filter(e -> e.get("type").asText().equals(type))
                    .forEach(e -> b.append(e.get("content").asText()));
            return b.toString();
        }
    }

    private Stream post(String json) throws Exception {
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(server.uri("/api/chat"))
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        String id = response.headers().firstValue("X-Stream-Id").orElseThrow();
        return new Stream(id, response.body(), new SseParser(), new ArrayList<>());
    }

    @Test
    void reasoningModelStreamsThroughTheServerExactly() throws Exception {
        Transcripts.Transcript t = Transcripts.DEEPSEEK_REASONER;
        UPSTREAM.set(ex -> {
            ex.respond(200, "text/event-stream").write(t.bytes(), FakeUpstream.Splits.oneByte());
            ex.end();
        });
        Stream s = post("{\"messages\":[{\"role\":\"user\",\"content\":\"9.11 和 9.8 哪个大？\"}]}");
        JsonNode start = s.until("start");
        assertEquals("deepseek-reasoner", start.get("model").asText());
        JsonNode end = s.until("end");
        s.body().close();
        assertEquals(t.reasoning(), s.concat("reasoning"));
        assertEquals(t.answer(), s.concat("chunk"));
        assertEquals("stop", end.get("finish_reason").asText());
        assertEquals(18, end.get("usage").get("prompt_tokens").asInt());
        assertEquals(64, end.get("usage").get("completion_tokens").asInt());
        int firstChunk = indexOf(s.events(), "chunk");
        int lastReasoning = lastIndexOf(s.events(), "reasoning");
        assertTrue(lastReasoning < firstChunk, "reasoning comes before the answer");

        FakeUpstream.Request r = fake.takeRequest();
        assertEquals("/v1/chat/completions", r.path());
        assertEquals("Bearer " + KEY, r.header("Authorization"));
        assertEquals("9.11 和 9.8 哪个大？", Json.parse(r.body()).get("messages").get(0).get("content").asText());
    }

    @Test
    void deleteClosesTheUpstreamConnectionWithinOneSecond() throws Exception {
        CompletableFuture<Long> closedAt = new CompletableFuture<>();
        UPSTREAM.set(ex -> {
            ex.respond(200, "text/event-stream")
                    .write("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"写一首长诗\"}}]}\n\n");
            boolean closed = ex.awaitClientClose(Duration.ofSeconds(10));
            closedAt.complete(closed ? System.nanoTime() : -1L);
        });
        Stream s = post("{\"message\":\"长诗\",\"model\":\"deepseek-chat\"}");
        assertEquals("deepseek-chat", s.until("start").get("model").asText());
        assertEquals("写一首长诗", s.until("chunk").get("content").asText());
        fake.takeRequest();

        long deletedAt = System.nanoTime();
        HttpResponse<Void> deleted = client.send(HttpRequest.newBuilder(server.uri("/api/chat/streams/" + s.id()))
                .DELETE().build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(204, deleted.statusCode());
        long at = closedAt.get(5, TimeUnit.SECONDS);
        assertTrue(at > 0, "the upstream never saw the connection closed");
        long ms = TimeUnit.NANOSECONDS.toMillis(at - deletedAt);
        assertTrue(ms < 1000, "closed " + ms + " ms after DELETE");
        JsonNode end = s.until("end");
        assertEquals("cancelled", end.get("finish_reason").asText());
        s.body().close();
    }

    @Test
    void upstreamRefusingTheKeyIsAnErrorEventWithoutTheKey() throws Exception {
        UPSTREAM.set(ex -> ex.respondFully(401, "application/json",
                "{\"error\":{\"message\":\"Authentication Fails, Your api key: " + KEY + " is invalid\","
                        + "\"type\":\"authentication_error\"}}"));
        Stream s = post("{\"message\":\"hi\"}");
        JsonNode error = s.until("error");
        s.body().close();
        fake.takeRequest();
        assertEquals("upstream_auth", error.get("code").asText());
        String message = error.get("error").asText();
        assertTrue(message.contains("HTTP 401") && message.contains("Authentication Fails"), message);
        assertFalse(message.contains(KEY), message);
        assertFalse(s.events().toString().contains(KEY));
    }

    @Test
    void anUpstreamHtmlErrorPageIsAnErrorEventInWords() throws Exception {
        UPSTREAM.set(ex -> ex.respondFully(500, "text/html", "<html><body><h1>500 Internal Server Error</h1>"
                + "<p>The server encountered an internal error and was unable to complete your request.</p>"
                + "</body></html>"));
        Stream s = post("{\"message\":\"hi\"}");
        JsonNode error = s.until("error");
        s.body().close();
        fake.takeRequest();
        assertEquals("upstream_error", error.get("code").asText());
        assertEquals("Upstream 127.0.0.1:" + fake.port() + ": failed with an internal error (HTTP 500)",
                error.get("error").asText());
    }

    private static int indexOf(List<JsonNode> events, String type) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).get("type").asText().equals(type)) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(List<JsonNode> events, String type) {
        int last = -1;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).get("type").asText().equals(type)) {
                last = i;
            }
        }
        return last;
    }
}
