package io.chatstream.cluster;

import io.chatstream.testing.Await;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.testing.SseRecorder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two dev servers, two JVM processes, one real {@code redis-server}, one fake OpenAI-compatible upstream that sends a
 * first chunk and then holds each reply open until its client closes the connection: the shared stream facts at
 * work. An {@code Idempotency-Key} repeated on the other node starts no second generation but attaches to the
 * stream, and a stream is read and resumed on either node, through the shared log; the per-client limit
 * counts both nodes; a {@code DELETE} on one node closes the other node's upstream connection, and another
 * principal's is a 404; while Redis is away a new generation gets {@code 503} with {@code Retry-After}, and the nodes
 * recover by themselves.
 */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterStreamsTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration T = Duration.ofSeconds(20);
    private static final String CHUNK = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"thinking\"},\"finish_reason\":null}]}\n\n";

    /** In a message, asks the upstream for a chunk every 100 ms rather than one. */
    private static final String TICKING = "ticking";

    private static RedisServer redis;
    private static FakeUpstream upstream;
    private static DevServerProcess a;
    private static DevServerProcess b;
    /** Generations the upstream was asked for. */
    private static final AtomicInteger generations = new AtomicInteger();
    /** Chunks the upstream wrote to {@link #TICKING} replies: time passing, as the model sees it. */
    private static final AtomicInteger ticks = new AtomicInteger();
    /** One entry per upstream connection its client closed, holding System.nanoTime() of the close. */
    private static final BlockingQueue<Long> upstreamClosed = new LinkedBlockingQueue<>();

    @BeforeAll
    static void startCluster() throws Exception {
        assumeTrue(RedisServer.available() || System.getenv("CI") != null, "redis-server is not installed");
        redis = RedisServer.start();
        upstream = FakeUpstream.start(ex -> {
            generations.incrementAndGet();
            ex.respond(200, "text/event-stream").write(CHUNK);
            if (ex.request().body().contains(TICKING)) {
                try {
                    while (true) { // a chunk every 100 ms until the client closes
                        ex.pace(Duration.ofMillis(100)).write(CHUNK);
                        ticks.incrementAndGet();
                    }
                } catch (IOException closed) {
                    return;
                }
            }
            if (ex.awaitClientClose(Duration.ofSeconds(120))) {
                upstreamClosed.add(System.nanoTime());
            }
        });
        Map<String, String> settings = new HashMap<>(Map.of("chat.cluster.redis-url", redis.url(),
                "chat.backend", "openai", "chat.openai.base-url", upstream.url("/v1"),
                "chat.openai.api-key", "sk-test", "chat.openai.model", "m",
                "chat.limits.max-streams-per-client", "2", "chat.auth.mode", "token", "chat.auth.tokens", "t1,t2",
                // a stream whose reader the test drops goes on: only a DELETE ends it
                "chat.stream.detach-grace-seconds", "120",
                // a cluster's conversations need a shared database; these nodes keep none
                "chat.store.url", "off"));
        // short, so that the readers of a killed node's stream learn it soon
        settings.put("chat.cluster.lease-seconds", "2");
        DevServerProcess[] nodes = DevServerProcess.startAll(settings, "a", "b");
        a = nodes[0];
        b = nodes[1];
        for (DevServerProcess node : new DevServerProcess[] {a, b}) {
            assertTrue(Await.until(T, () -> node.lines("Connected to Redis at " + redis.url()) == 1), node::output);
            assertEquals(1, node.lines("cluster node "), node.output());
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        DevServerProcess.closeAll(a, b);
        for (AutoCloseable c : new AutoCloseable[] {upstream, redis}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** A request of the principal of token {@code t1}. */
    private static HttpRequest.Builder request(DevServerProcess node, String path) {
        return HttpRequest.newBuilder(node.uri(path)).header("Authorization", "Bearer t1");
    }

    private static HttpRequest.Builder post(DevServerProcess node, String text) {
        return request(node, "/api/chat").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"" + text + "\"}"));
    }

    /** A reply started on {@code node}, its first events read: the generation runs. */
    private static SseRecorder start(DevServerProcess node, HttpRequest.Builder request) throws Exception {
        SseRecorder r = SseRecorder.open(HTTP, request.build());
        assertEquals(200, r.status(), node::output);
        assertEquals("start", r.nextEvent(T).type());
        assertEquals("chunk", r.nextEvent(T).type());
        return r;
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> delete(DevServerProcess node, String streamId) throws Exception {
        return send(request(node, "/api/chat/streams/" + streamId).DELETE());
    }

    /** The node's {@code /api/metrics}, each sample by its name and labels. */
    private static Map<String, Double> metrics(DevServerProcess node) throws Exception {
        HttpResponse<String> r = send(request(node, "/api/metrics"));
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Double> m = new HashMap<>();
        for (String line : r.body().split("\n")) {
            int space = line.lastIndexOf(' ');
            if (!line.startsWith("#") && space > 0) {
                m.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return m;
    }

    /** Stops on node {@code via} the stream {@code r} reads from another node; its reader sees it cancelled. */
    private static void stopVia(DevServerProcess via, SseRecorder r) throws Exception {
        assertEquals(204, delete(via, r.header("X-Stream-Id")).statusCode());
        List<SseRecorder.Event> rest = r.readToEnd(T);
        SseRecorder.Event end = rest.get(rest.size() - 1);
        assertEquals("end", end.type(), rest.toString());
        assertEquals("cancelled", end.json().get("finish_reason").asText());
        r.close();
    }

    @Test
    @Order(1)
    void anIdempotencyKeyRepeatedOnTheOtherNodeStartsNoSecondGeneration() throws Exception {
        int before = generations.get();
        try (SseRecorder first = start(a, post(a, "once").header("Idempotency-Key", "k-1"))) {
            assertEquals(before + 1, generations.get());

            HttpResponse<String> other = send(post(b, "another body").header("Idempotency-Key", "k-1"));
            assertEquals(422, other.statusCode(), other.body());
            assertTrue(other.body().contains("\"idempotency_key_reused\""), other.body());

            // the same request attaches, on the other node, to the stream the first one started
            try (SseRecorder repeat = SseRecorder.open(HTTP, post(b, "once").header("Idempotency-Key", "k-1")
                    .build())) {
                assertEquals(200, repeat.status(), b::output);
                assertEquals(first.header("X-Stream-Id"), repeat.header("X-Stream-Id"));
                SseRecorder.Event start = repeat.nextEvent(T);
                assertEquals("start", start.type());
                assertEquals(1, start.seq());
                assertEquals("thinking", repeat.nextEvent(T).content());
                assertEquals(before + 1, generations.get(), "no second generation");

                stopVia(b, first);
                List<SseRecorder.Event> rest = repeat.readToEnd(T);
                assertEquals("cancelled", rest.get(rest.size() - 1).json().get("finish_reason").asText(),
                        "the reader on B sees A's end");
            }
            assertEquals(before + 1, generations.get(), "no second generation");
        }
    }

    @Test
    @Order(2)
    void aStreamOfOneNodeIsReadAndResumedOnTheOther() throws Exception {
        try (SseRecorder onA = start(a, post(a, "read me elsewhere"))) {
            String id = onA.header("X-Stream-Id");
            HttpRequest.Builder attach = request(b, "/api/chat/streams/" + id);
            try (SseRecorder onB = SseRecorder.open(HTTP, attach.build())) {
                assertEquals(200, onB.status(), b::output);
                assertEquals("start", onB.nextEvent(T).type());
                SseRecorder.Event chunk = onB.nextEvent(T);
                assertEquals("thinking", chunk.content());
                stopVia(b, onA);
                List<SseRecorder.Event> rest = onB.readToEnd(T);
                SseRecorder.Event end = rest.get(rest.size() - 1);
                assertEquals("end", end.type());
                assertEquals(chunk.seq() + 1, end.seq(), "the same seqs on every node");
                HttpResponse<String> done = send(request(b, "/api/chat/streams/" + id)
                        .header("Last-Event-ID", id + ":" + end.seq()));
                assertEquals(204, done.statusCode(), "every event delivered, on the other node too");
            }
        }
    }

    @Test
    @Order(3)
    void aDeleteOnOneNodeClosesTheUpstreamConnectionOfTheOther() throws Exception {
        upstreamClosed.clear();
        int before = generations.get() + 1;
        try (SseRecorder r = start(a, post(a, "stop me"))) {
            String id = r.header("X-Stream-Id");
            HttpResponse<String> unknown = delete(b, id.substring(0, id.length() - 2)
                    + (id.endsWith("AA") ? "BB" : "AA"));
            assertEquals(404, unknown.statusCode(), "an id no node knows");
            for (HttpRequest.Builder other : List.of(
                    request(b, "/api/chat/streams/" + id).setHeader("Authorization", "Bearer t2").DELETE(),
                    request(b, "/api/chat/streams/" + id).setHeader("Authorization", "Bearer t2"))) {
                HttpResponse<String> hidden = send(other);
                assertEquals(404, hidden.statusCode(), "another principal's stream is unknown: " + hidden.body());
            }
            assertEquals(before, generations.get());
            long asked = System.nanoTime();
            stopVia(b, r);
            Long closed = upstreamClosed.poll(5, TimeUnit.SECONDS);
            assertNotNull(closed, "the upstream connection of node A was closed");
            assertTrue(TimeUnit.NANOSECONDS.toMillis(closed - asked) < 1000,
                    "within a second: " + TimeUnit.NANOSECONDS.toMillis(closed - asked) + " ms");
            assertEquals(204, delete(b, id).statusCode(), "an ended stream: 204 still");
        }
    }

    @Test
    @Order(4)
    void thePerClientLimitCountsBothNodes() throws Exception {
        try (SseRecorder onA = start(a, post(a, "one"));
             SseRecorder onB = start(b, post(b, "two"))) {
            int before = generations.get();
            for (DevServerProcess node : new DevServerProcess[] {a, b}) {
                HttpResponse<String> refused = send(post(node, "three"));
                assertEquals(429, refused.statusCode(), refused.body());
                assertTrue(refused.body().contains("\"too_many_streams\""), refused.body());
                assertNotNull(refused.headers().firstValue("Retry-After").orElse(null));
            }
            assertEquals(before, generations.get());
            stopVia(b, onA);
            // the stopped stream counts no more once its node wrote its end
            SseRecorder[] third = new SseRecorder[1];
            assertTrue(Await.until(T, () -> {
                try {
                    SseRecorder r = SseRecorder.open(HTTP, post(b, "three").build());
                    if (r.status() == 200) {
                        third[0] = r;
                        return true;
                    }
                    r.close();
                    return false;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
            stopVia(a, third[0]);
            stopVia(a, onB);
        }
    }

    @Test
    @Order(5)
    void whileRedisIsAwayANewGenerationGets503AndTheNodesRecover() throws Exception {
        SseRecorder ticking = start(a, post(a, TICKING));
        String id = ticking.header("X-Stream-Id");
        SseRecorder onB = SseRecorder.open(HTTP, request(b, "/api/chat/streams/" + id).build());
        assertEquals("start", onB.nextEvent(T).type());
        Map<String, Double> earlier = metrics(a);
        redis.stop();
        try {
            // the running stream goes on appending, into memory only
            assertTrue(Await.check(T, () -> {
                Map<String, Double> m = metrics(a);
                return m.get("chat_cluster_log_lag_events") >= 3
                        && m.get("chat_redis_errors_total") > earlier.get("chat_redis_errors_total");
            }), a::output);
            for (DevServerProcess node : new DevServerProcess[] {a, b}) {
                int before = generations.get();
                HttpResponse<String> refused = send(post(node, "during the outage"));
                assertEquals(503, refused.statusCode(), refused.body());
                assertTrue(refused.body().contains("\"unavailable\""), refused.body());
                assertNotNull(refused.headers().firstValue("Retry-After").orElse(null));
                assertEquals(before, generations.get());
                HttpResponse<String> health = send(HttpRequest.newBuilder(node.uri("/api/health")));
                assertEquals(200, health.statusCode(), "health answers");
            }
        } finally {
            redis.restart();
        }
        // every event kept in memory is written once Redis is back
        assertTrue(Await.check(T, () -> {
            Map<String, Double> m = metrics(a);
            return m.get("chat_cluster_log_lag_events") == 0
                    && m.get("chat_redis_reconnects_total") > earlier.get("chat_redis_reconnects_total");
        }), a::output);
        // the restarted Redis lost a's lease, which a writes back within a third of the lease: b, which follows the
        // stream, must not take a for dead meanwhile; 1.5 s of the model's time is past that
        int now = ticks.get();
        assertTrue(Await.until(T, () -> ticks.get() >= now + 15));
        stopVia(a, onB);
        ticking.close();
        for (DevServerProcess node : new DevServerProcess[] {a, b}) {
            SseRecorder[] back = new SseRecorder[1];
            assertTrue(Await.until(T, () -> {
                try {
                    SseRecorder r = SseRecorder.open(HTTP, post(node, "after").build());
                    if (r.status() == 200) {
                        back[0] = r;
                        return true;
                    }
                    assertEquals(503, r.status());
                    r.close();
                    return false;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }), node::output);
            assertEquals("start", back[0].nextEvent(T).type());
            stopVia(node == a ? b : a, back[0]);
        }
    }

    @Test
    @Order(6)
    void theEmbeddedDatabaseBesideRedisStopsStartUp() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DevServerProcess.start("c",
                Map.of("chat.cluster.redis-url", redis.url(), "chat.store.dir",
                        System.getProperty("java.io.tmpdir") + "/chat-cluster-refused")));
        assertTrue(e.getMessage().contains("chat.store.url"), e.getMessage());
        assertNotEquals(-1, e.getMessage().indexOf("ended"), e.getMessage());
    }

    @Test
    @Order(7)
    void theStreamsOfAKilledNodeEndInterruptedForTheirReadersOnTheOtherNode() throws Exception {
        try (SseRecorder onA = start(a, post(a, "the node dies"))) {
            String id = onA.header("X-Stream-Id");
            try (SseRecorder onB = SseRecorder.open(HTTP, request(b, "/api/chat/streams/" + id).build())) {
                assertEquals(200, onB.status(), b::output);
                assertEquals("start", onB.nextEvent(T).type());
                assertEquals("chunk", onB.nextEvent(T).type());
                long killed = System.nanoTime();
                a.kill();
                List<SseRecorder.Event> rest = onB.readToEnd(T);
                long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
                SseRecorder.Event end = rest.get(rest.size() - 1);
                assertEquals("error", end.type(), rest.toString());
                assertEquals("interrupted", end.json().get("code").asText());
                assertEquals(3, end.seq(), "right after the last event the node wrote");
                // chat.cluster.lease-seconds (2) and a second, from the kill
                assertTrue(took < 2000 + 1000, "learnt in " + took + " ms");
                HttpResponse<String> done = send(request(b, "/api/chat/streams/" + id)
                        .header("Last-Event-ID", id + ":" + end.seq()));
                assertEquals(204, done.statusCode(), "an interrupted stream has ended");
            }
        }
        try (SseRecorder r = start(b, post(b, "the other node goes on"))) {
            stopVia(b, r);
        }
    }
}
