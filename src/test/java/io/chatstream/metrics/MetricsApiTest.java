package io.chatstream.metrics;

import io.chatstream.testing.Await;
import io.chatstream.deploy.SseConnection;
import io.chatstream.testing.SseParser.Frame;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /api/metrics} over real HTTP: the counters move with what streams and readers do; who may read. */
@Execution(ExecutionMode.CONCURRENT)
class MetricsApiTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String DISCONNECTED = "chat_readers_detached_total{reason=\"disconnected\"}";
    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void countersFollowAStreamThatIsDroppedResumedAndCancelled() throws Exception {
        // 0.8 tokens a second: the first token comes after 1.25 s, so a 1 s keep-alive is written before it
        try (TestServer server = TestServer.start(Map.of("chat.demo.tokens-per-second", "0.8",
                "chat.sse.keepalive-seconds", "1"))) {
            assertTextFormat(server.uri("/api/metrics"));
            Map<String, Double> before = scrape(server.uri("/api/metrics"));

            SseConnection first = SseConnection.open(client, HttpRequest.newBuilder(
                    server.uri("/api/chat?prompt=hi")).header("Accept", "text/event-stream").build());
            Frame start = first.nextEvent(WAIT);
            assertNotNull(start);
            String streamId = start.id().substring(0, start.id().indexOf(':'));
            awaitFrame(first, f -> "keep-alive".equals(f.comment()));
            Frame reasoning = first.nextEvent(WAIT);
            assertTrue(reasoning.data().contains("\"reasoning\""), reasoning.data());
            first.close();
            // the server learns of the drop when a write fails: the next token or keep-alive
            awaitScrape(server.uri("/api/metrics"), m -> m.get(DISCONNECTED) > before.get(DISCONNECTED)
                    && m.get("chat_readers_open") == 0);

            SseConnection resumed = SseConnection.open(client, HttpRequest.newBuilder(
                            server.uri("/api/chat/streams/" + streamId))
                    .header("Last-Event-ID", reasoning.id()).build());
            assertEquals(200, resumed.status());
            HttpResponse<Void> cancel = client.send(HttpRequest.newBuilder(server.uri("/api/chat/streams/" + streamId))
                    .DELETE().build(), HttpResponse.BodyHandlers.discarding());
            assertEquals(204, cancel.statusCode());
            resumed.awaitEnd(WAIT);

            Map<String, Double> after = awaitScrape(server.uri("/api/metrics"), m -> m.get("chat_readers_open") == 0);
            assertDelta(1, before, after, "chat_streams_started_total");
            assertDelta(1, before, after, "chat_streams_ended_total{finish_reason=\"cancelled\"}");
            assertDelta(0, before, after, "chat_streams_ended_total{finish_reason=\"stop\"}");
            assertDelta(2, before, after, "chat_readers_attached_total");
            assertDelta(1, before, after, "chat_readers_resumed_total");
            assertDelta(1, before, after, DISCONNECTED);
            assertDelta(1, before, after, "chat_readers_detached_total{reason=\"completed\"}");
            assertDelta(1, before, after, "chat_time_to_first_token_seconds_count");
            assertDelta(1, before, after, "chat_reply_duration_seconds_count");
            assertTrue(after.get("chat_keepalives_sent_total") >= before.get("chat_keepalives_sent_total") + 1);
            assertTrue(after.get("chat_tokens_total{type=\"reasoning\"}") >= 1);
            // start and the first reasoning to the first reader; at least the end to the resumed one
            assertTrue(after.get("chat_events_sent_total") >= before.get("chat_events_sent_total") + 3);
            assertEquals(0, after.get("chat_streams_open"));
            assertEquals(0, after.get("chat_readers_open"));
            assertNull(after.get("chat_redis_errors_total"), "the Redis families are a cluster's only");
            assertNull(after.get("chat_cluster_log_lag_events"));
            assertEquals(1, after.get("chat_time_to_first_token_seconds_bucket{le=\"+Inf\"}"));
            // the first token came after about 1.25 s
            assertEquals(0, after.get("chat_time_to_first_token_seconds_bucket{le=\"1\"}"));
            assertEquals(1, after.get("chat_time_to_first_token_seconds_bucket{le=\"2.5\"}"));
        }
    }

    @Test
    void byDefaultMetricsNeedTheApisAuth() throws Exception {
        try (TestServer server = TestServer.start(Map.of("chat.auth.mode", "token", "chat.auth.tokens", "s3cret"))) {
            HttpResponse<String> anonymous = get(server.uri("/api/metrics"), null);
            assertEquals(401, anonymous.statusCode());
            assertTrue(anonymous.body().contains("\"unauthorized\""));
            assertEquals(200, get(server.uri("/api/metrics"), "s3cret").statusCode());
        }
    }

    @Test
    void openMetricsNeedNoAuth() throws Exception {
        try (TestServer server = TestServer.start(Map.of("chat.auth.mode", "token", "chat.auth.tokens", "s3cret",
                "chat.metrics.access", "open"))) {
            assertEquals(200, get(server.uri("/api/metrics"), null).statusCode());
            assertEquals(401, get(server.uri("/api/chat?prompt=hi"), null).statusCode());
        }
    }

    @Test
    void metricsOffIsNotFound() throws Exception {
        try (TestServer server = TestServer.start(Map.of("chat.metrics.access", "off"))) {
            HttpResponse<String> r = get(server.uri("/api/metrics"), null);
            assertEquals(404, r.statusCode());
            assertTrue(r.body().contains("\"not_found\""));
        }
    }

    /** Every line is HELP, TYPE or a sample of a chat_ family; the Content-Type names version 0.0.4. */
    private void assertTextFormat(URI uri) throws Exception {
        HttpResponse<String> r = get(uri, null);
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8",
                r.headers().firstValue("Content-Type").orElseThrow().toLowerCase().replace(";charset", "; charset"));
        for (String line : r.body().split("\n")) {
            assertTrue(line.startsWith("# HELP chat_") || line.startsWith("# TYPE chat_")
                    || line.matches("chat_[a-z_]+(\\{[a-z_]+=\"[^\"]*\"})? (\\d+(\\.\\d+)?|\\+Inf|NaN)"), line);
        }
        assertTrue(r.body().contains("# TYPE chat_reply_duration_seconds histogram\n"));
        assertTrue(r.body().endsWith("\n"));
    }

    private HttpResponse<String> get(URI uri, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Map<String, Double> scrape(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> r = get(uri, null);
        assertEquals(200, r.statusCode(), r.body());
        return MetricSamples.parse(r.body());
    }

    private Map<String, Double> awaitScrape(URI uri, Predicate<Map<String, Double>> until) throws Exception {
        AtomicReference<Map<String, Double>> last = new AtomicReference<>();
        boolean changed = Await.until(WAIT, () -> {
            try {
                last.set(scrape(uri));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return until.test(last.get());
        });
        if (!changed) {
            throw new AssertionError("metrics did not change in time: " + last.get());
        }
        return last.get();
    }

    private static void assertDelta(double delta, Map<String, Double> before, Map<String, Double> after, String key) {
        assertNotNull(after.get(key), key + " missing");
        assertEquals(delta, after.get(key) - before.get(key), key);
    }

    private static void awaitFrame(SseConnection c, Predicate<Frame> p) throws InterruptedException {
        while (true) {
            SseConnection.Timed t = c.next(WAIT);
            if (t == null) {
                throw new AssertionError("ended before the frame came: " + c.frames());
            }
            if (p.test(t.frame())) {
                return;
            }
        }
    }
}
