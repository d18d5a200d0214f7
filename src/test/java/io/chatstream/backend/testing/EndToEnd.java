package io.chatstream.backend.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.upstream.Json;
import io.chatstream.testing.SseParser;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.TestServer;

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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole product over real HTTP: the dev server on port 0 with a provider's settings, pointed at a
 * {@link FakeUpstream} on port 0 whose answer each test sets, and a client reading the event stream with the strict
 * {@link SseParser}. Close it after the test class.
 */
public final class EndToEnd implements AutoCloseable {

    private final AtomicReference<FakeUpstream.Handler> upstream = new AtomicReference<>();
    private final FakeUpstream fake;
    private final TestServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    private EndToEnd(Function<FakeUpstream, Map<String, String>> settings) throws Exception {
        fake = FakeUpstream.start(ex -> upstream.get().handle(ex));
        TestServer started;
        try {
            started = TestServer.start(settings.apply(fake));
        } catch (Exception | Error e) {
            fake.close();
            throw e;
        }
        server = started;
    }

    /** Starts the fake upstream, then the server with the settings made for the fake's address. */
    public static EndToEnd start(Function<FakeUpstream, Map<String, String>> settings) throws Exception {
        return new EndToEnd(settings);
    }

    /** The fake upstream, to take the requests it received. */
    public FakeUpstream fake() {
        return fake;
    }

    /** How the fake upstream answers from now on. */
    public void upstream(FakeUpstream.Handler handler) {
        upstream.set(handler);
    }

    /** From now on the fake upstream answers with {@code transcript}'s body, one byte per write. */
    public void serve(Transcripts.Transcript transcript) {
        serveInTurn(transcript);
    }

    /**
     * From now on the fake upstream answers its first request with {@code answers[0]}'s body, the next with
     * {@code answers[1]} and so on, the last one again once they run out; one byte per write.
     */
    public void serveInTurn(Transcripts.Transcript... answers) {
        AtomicInteger next = new AtomicInteger();
        upstream(ex -> {
            Transcripts.Transcript t = answers[Math.min(next.getAndIncrement(), answers.length - 1)];
            ex.respond(200, "text/event-stream").write(t.bytes(), FakeUpstream.Splits.oneByte());
            ex.end();
        });
    }

    /** Posts a chat request and opens its event stream, which must be a 200 {@code text/event-stream}. */
    public EventStream post(String json) throws Exception {
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(server.uri("/api/chat"))
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        String id = response.headers().firstValue("X-Stream-Id").orElseThrow();
        return new EventStream(id, response.body(), new SseParser(), new ArrayList<>());
    }

    /**
     * Posts a chat request and reads its event stream up to its terminal event, asserting that the body ends right
     * after it (one terminal event, nothing later).
     */
    public List<SseRecorder.Event> postToEnd(String json) throws Exception {
        try (SseRecorder r = SseRecorder.open(client, HttpRequest.newBuilder(server.uri("/api/chat"))
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build())) {
            assertEquals(200, r.status());
            return r.readToEnd(Duration.ofSeconds(20));
        }
    }

    /**
     * A {@code DELETE} of a stream whose upstream has sent one chunk closes the upstream connection within one
     * second, and the stream ends {@code cancelled}.
     *
     * @param firstWrite what the upstream writes after its headers: one chunk, {@code 写一首长诗}
     * @param model the model the request names and the start event must show, or {@code null} to name none
     */
    public void assertDeleteClosesTheUpstreamWithinOneSecond(String firstWrite, String model) throws Exception {
        CompletableFuture<Long> closedAt = new CompletableFuture<>();
        upstream(ex -> {
            ex.respond(200, "text/event-stream").write(firstWrite);
            boolean closed = ex.awaitClientClose(Duration.ofSeconds(10));
            closedAt.complete(closed ? System.nanoTime() : -1L);
        });
        EventStream s = post(model == null ? "{\"message\":\"长诗\"}"
                : "{\"message\":\"长诗\",\"model\":\"" + model + "\"}");
        if (model != null) {
            assertEquals(model, s.until("start").get("model").asText());
        }
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
        assertEquals("cancelled", s.until("end").get("finish_reason").asText());
        s.body().close();
    }

    @Override
    public void close() throws Exception {
        try {
            server.close();
        } finally {
            fake.close();
        }
    }

    /** An open event stream: its id and the events read from it so far. */
    public record EventStream(String id, InputStream body, SseParser parser, List<JsonNode> events) {

        /** Reads until an event of {@code type} has arrived; returns the first one. */
        public JsonNode until(String type) throws Exception {
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

        /** The {@code content} of every event of {@code type} read so far, joined. */
        public String concat(String type) {
            StringBuilder b = new StringBuilder();
            ofType(type).forEach(e -> b.append(e.get("content").asText()));
            return b.toString();
        }

        /** The events of {@code type} read so far. */
        public List<JsonNode> ofType(String type) {
            return events.stream().filter(e -> e.get("type").asText().equals(type)).toList();
        }
    }
}
