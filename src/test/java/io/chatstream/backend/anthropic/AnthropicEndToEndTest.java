package io.chatstream.backend.anthropic;

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
 * The whole product with {@code chat.backend=anthropic} over real HTTP: the dev server on port 0, a fake Messages API
 * on port 0, a client reading the event stream with the strict {@link SseParser}.
 */
@Timeout(60)
class AnthropicEndToEndTest {

    private static final String KEY = "sk-ant-e2e-9a8b7c6d5e4f3a2b";
    private static final AtomicReference<FakeUpstream.Handler> UPSTREAM = new AtomicReference<>();
    private static FakeUpstream fake;
    private static TestServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        fake = FakeUpstream.start(ex -> UPSTREAM.get().handle(ex));
        server = TestServer.start(Map.of(
                "chat.backend", "anthropic",
                "chat.anthropic.base-url", fake.url("/v1"),
                "chat.anthropic.api-key", KEY,
                "chat.anthropic.model", "claude-sonnet-4-5",
                "chat.anthropic.thinking-budget", "2048",
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

        List<JsonNode> ofType(String type) {
            return events.stream().filter(e -> e.get("type").asText().equals(type)).toList();
        }
    }

    private Stream post(String json) throws Exception {
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(server.uri("/api/chat"))
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        String id = response.headers().firstValue("X-Stream-Id").orElseThrow();
        return new Stream(id, response.body(), new SseParser(), new ArrayList<>());
    }

    @Test
    void thinkingAndAnswerStreamThroughTheServerExactly() throws Exception {
        Transcripts.Transcript t = AnthropicTranscripts.THINKING;
        UPSTREAM.set(ex -> {
            ex.respond(200, "text/event-stream").write(t.bytes(), FakeUpstream.Splits.oneByte());
            ex.end();
        });
        Stream s = post("{\"messages\":[{\"role\":\"system\",\"content\":\"Be exact.\"},"
                + "{\"role\":\"user\",\"content\":\"27 * 453 = ?\"}],\"temperature\":0.2}");
        assertEquals("claude-sonnet-4-5", s.until("start").get("model").asText());
        JsonNode end = s.until("end");
        s.body().close();
        assertEquals(t.reasoning(), s.concat("reasoning"));
        assertEquals(t.answer(), s.concat("chunk"));
        assertEquals("stop", end.get("finish_reason").asText());
        assertEquals(2060, end.get("usage").get("prompt_tokens").asInt());
        assertEquals(280, end.get("usage").get("completion_tokens").asInt());

        FakeUpstream.Request r = fake.takeRequest();
        assertEquals("/v1/messages", r.path());
        assertEquals(KEY, r.header("x-api-key"));
        assertEquals("2023-06-01", r.header("anthropic-version"));
        JsonNode body = Json.parse(r.body());
        assertEquals("Be exact.", body.get("system").asText());
        assertEquals("27 * 453 = ?", body.get("messages").get(0).get("content").asText());
        assertEquals(2048, body.get("thinking").get("budget_tokens").asInt());
    }

    @Test
    void toolUseStreamsToolCallEventsAndEndsWithToolCalls() throws Exception {
        UPSTREAM.set(ex -> ex.respondFully(200, "text/event-stream", AnthropicTranscripts.TOOL_USE.body()));
        Stream s = post("{\"message\":\"上海天气？\"}");
        JsonNode end = s.until("end");
        s.body().close();
        fake.takeRequest();
        assertEquals("tool_calls", end.get("finish_reason").asText());
        List<JsonNode> calls = s.ofType("tool_call");
        assertEquals(2, calls.size(), s.events().toString());
        assertEquals("{\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"get_weather\",\"arguments\":"
                + "\"{\\\"city\\\": \\\"上海 🌧\\\"}\"}", calls.get(0).get("tool_call").toString());
        assertEquals("get_time", calls.get(1).get("tool_call").get("name").asText());
    }

    @Test
    void overloadedMidStreamIsARateLimitedErrorEvent() throws Exception {
        UPSTREAM.set(ex -> ex.respondFully(200, "text/event-stream", """
                event: message_start
                data: {"type":"message_start","message":{"usage":{"input_tokens":5,"output_tokens":1}}}

                event: error
                data: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}

                """));
        Stream s = post("{\"message\":\"hi\"}");
        JsonNode error = s.until("error");
        s.body().close();
        fake.takeRequest();
        assertEquals("upstream_rate_limited", error.get("code").asText());
        assertTrue(error.get("error").asText().contains("Overloaded"), error.toString());
        assertFalse(s.events().toString().contains(KEY));
    }

    @Test
    void deleteClosesTheUpstreamConnectionWithinOneSecond() throws Exception {
        CompletableFuture<Long> closedAt = new CompletableFuture<>();
        UPSTREAM.set(ex -> {
            ex.respond(200, "text/event-stream").write("event: content_block_delta\ndata: {\"type\":"
                    + "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"写一首长诗\"}}\n\n");
            boolean closed = ex.awaitClientClose(Duration.ofSeconds(10));
            closedAt.complete(closed ? System.nanoTime() : -1L);
        });
        Stream s = post("{\"message\":\"长诗\",\"model\":\"claude-haiku-4-5\"}");
        assertEquals("claude-haiku-4-5", s.until("start").get("model").asText());
        assertEquals("写一首长诗", s.until("chunk").get("content").asText());
        fake.takeRequest();

        long deletedAt = System.nanoTime();
        HttpResponse<Void> deleted = client.send(HttpRequest.newBuilder(server.uri("/api/chat/streams/" + s.id()))
                .DELETE().build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(204, deleted.statusCode());
        long at = closedAt.get(5, TimeUnit.SECONDS);
        assertTrue(at > 0, "the upstream never saw the connection closed");
        assertTrue(TimeUnit.NANOSECONDS.toMillis(at - deletedAt) < 1000, "closed too late");
        assertEquals("cancelled", s.until("end").get("finish_reason").asText());
        s.body().close();
    }
}
