package io.chatstream.cluster;

import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.testing.Await;
import io.chatstream.testing.SseParser;
import io.chatstream.testing.SseRecorder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A cluster node stopped cleanly (SIGTERM, so the JVM's exit hook runs the stop sequence) drains: two dev servers,
 * a real {@code redis-server}, a fake OpenAI-compatible upstream the test paces. While node A drains, its health is
 * {@code 503 draining} and it starts no generation; its reader gets {@code retry:}, reconnects to node B with
 * {@code Last-Event-ID} and reads the rest of the reply, which A's generation finishes meanwhile, to its {@code end};
 * a reply that does not finish within {@code chat.cluster.drain-seconds} ends with {@code error} /
 * {@code interrupted}, seen by its reader on B.
 */
@Timeout(120)
class ClusterDrainTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration T = Duration.ofSeconds(20);
    private static final int DRAIN_SECONDS = 3;

    private static RedisServer redis;
    private static FakeUpstream upstream;
    private static DevServerProcess a;
    private static DevServerProcess b;
    /** Lets the reply that finishes send its rest: released once node A drains. */
    private static final CountDownLatch finish = new CountDownLatch(1);

    @BeforeAll
    static void startCluster() throws Exception {
        assumeTrue(RedisServer.available() || System.getenv("CI") != null, "redis-server is not installed");
        redis = RedisServer.start();
        upstream = FakeUpstream.start(ex -> {
            ex.respond(200, "text/event-stream").write(chunk("first"));
            if (!ex.request().body().contains("within the drain")) {
                ex.awaitClientClose(Duration.ofSeconds(60)); // never finishes: the drain's end cancels it
                return;
            }
            if (finish.await(60, TimeUnit.SECONDS)) {
                ex.write(chunk(" second")).write(chunk(" third"))
                        .write("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                                + "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n")
                        .write("data: [DONE]\n\n");
                ex.end();
            }
        });
        Map<String, String> settings = Map.of("chat.cluster.redis-url", redis.url(),
                "chat.backend", "openai", "chat.openai.base-url", upstream.url("/v1"),
                "chat.openai.api-key", "sk-test", "chat.openai.model", "m",
                "chat.cluster.drain-seconds", Integer.toString(DRAIN_SECONDS),
                "chat.store.url", "off");
        DevServerProcess[] nodes = DevServerProcess.startAll(settings, "a", "b");
        a = nodes[0];
        b = nodes[1];
        for (DevServerProcess node : new DevServerProcess[] {a, b}) {
            assertTrue(Await.until(T, () -> node.lines("Connected to Redis at " + redis.url()) == 1), node::output);
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        finish.countDown();
        DevServerProcess.closeAll(a, b);
        for (AutoCloseable c : new AutoCloseable[] {upstream, redis}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static String chunk(String text) {
        return "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}\n\n";
    }

    private static HttpRequest.Builder post(DevServerProcess node, String text) {
        return HttpRequest.newBuilder(node.uri("/api/chat")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"" + text + "\"}"));
    }

    private static SseRecorder start(DevServerProcess node, String text) throws Exception {
        SseRecorder r = SseRecorder.open(HTTP, post(node, text).build());
        assertEquals(200, r.status(), node::output);
        assertEquals("start", r.nextEvent(T).type());
        assertEquals("first", r.nextEvent(T).content());
        return r;
    }

    private static HttpResponse<String> health(DevServerProcess node) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(node.uri("/api/health")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aStoppingNodeDrainsItsRepliesIntoTheSharedLog() throws Exception {
        assertEquals(200, health(a).statusCode());
        try (SseRecorder finishing = start(a, "finishes within the drain");
             SseRecorder hanging = start(a, "runs on and on")) {
            String finishingId = finishing.header("X-Stream-Id");
            String hangingId = hanging.header("X-Stream-Id");
            try (SseRecorder hangingOnB = SseRecorder.open(HTTP,
                    HttpRequest.newBuilder(b.uri("/api/chat/streams/" + hangingId)).build())) {
                assertEquals(200, hangingOnB.status(), b::output);
                assertEquals("start", hangingOnB.nextEvent(T).type());
                assertEquals("first", hangingOnB.nextEvent(T).content());

                long stopped = System.nanoTime();
                CompletableFuture<Void> stop = CompletableFuture.runAsync(a::close); // SIGTERM, then its exit

                // the reader on A gets its retry: and the response ends, without a terminal event
                SseParser.Frame retry;
                do {
                    retry = finishing.next(T);
                } while (retry.retry() == null);
                assertTrue(retry.retry() >= 1000, "jittered retry: " + retry);
                finishing.assertEnded(T);

                HttpResponse<String> draining = health(a);
                assertEquals(503, draining.statusCode(), a::output);
                assertTrue(draining.body().contains("\"status\":\"draining\""), draining.body());
                HttpResponse<String> refused = HTTP.send(post(a, "too late").build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(503, refused.statusCode(), refused.body());
                assertNotNull(refused.headers().firstValue("Retry-After").orElse(null), "Retry-After");

                // the reader reconnects to B where it left off; A's generation finishes into the shared log
                try (SseRecorder resumed = SseRecorder.open(HTTP, HttpRequest.newBuilder(b.uri("/api/chat/streams/"
                        + finishingId)).header("Last-Event-ID", finishingId + ":2").build())) {
                    assertEquals(200, resumed.status(), b::output);
                    finish.countDown();
                    List<SseRecorder.Event> rest = resumed.readToEnd(T);
                    SseRecorder.assertSequential(rest, 3);
                    assertEquals(" second third", SseRecorder.text(rest, "chunk"), rest.toString());
                    SseRecorder.Event end = rest.get(rest.size() - 1);
                    assertEquals("end", end.type(), rest.toString());
                    assertEquals("stop", end.json().get("finish_reason").asText());
                }

                // the reply that does not finish ends as interrupted once the drain time is over, seen on B
                List<SseRecorder.Event> rest = hangingOnB.readToEnd(T);
                SseRecorder.Event end = rest.get(rest.size() - 1);
                assertEquals(List.of(end), rest, "nothing else after the first chunk");
                assertEquals("error", end.type());
                assertEquals("interrupted", end.json().get("code").asText());
                assertEquals(3, end.seq());
                long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
                assertTrue(took >= DRAIN_SECONDS * 1000L - 500, "after the drain time: " + took + " ms");

                stop.get(30, TimeUnit.SECONDS); // within the drain time plus the stop's own bound
                // what the stop says reaches the log, though it runs from the JVM's exit hook
                assertTrue(Await.until(T, () -> a.lines("Draining 2 replies for up to " + DRAIN_SECONDS + " s") == 1
                        && a.lines("1 replies finished, 1 ended as interrupted") == 1
                        && a.lines("Chat server stopped") == 1), a::output);
                assertEquals(0, a.lines("WARN") + a.lines("SEVERE") + a.lines("Exception"), a::output);
            }
            assertEquals(204, HTTP.send(HttpRequest.newBuilder(b.uri("/api/chat/streams/" + hangingId))
                    .header("Last-Event-ID", hangingId + ":3").build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode(), "the interrupted stream has ended");
        }
    }
}
