package io.chatstream.cluster;

import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.testing.Await;
import io.chatstream.testing.SseRecorder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A resume that runs ahead of Redis: two dev servers on one real {@code redis-server}, node A's link to it
 * {@link #LAG} slow ({@link SlowLink}), a fake OpenAI-compatible upstream that sends a chunk every 100 ms. A reader
 * that got an event from A and resumes on B at once names a seq that B's view of the stream, read from Redis, does
 * not hold yet: B waits for it to come, then replays from there; a seq the stream never sent is still a 400, once
 * the wait is over.
 */
@Timeout(120)
class ClusterResumeTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration T = Duration.ofSeconds(20);
    /** How late node A's writes reach Redis: far beyond the 10 ms of a flush, well within the 2 s a resume waits. */
    private static final Duration LAG = Duration.ofMillis(300);
    private static final String CHUNK = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tick\"},\"finish_reason\":null}]}\n\n";

    private static RedisServer redis;
    private static SlowLink slow;
    private static FakeUpstream upstream;
    private static DevServerProcess a;
    private static DevServerProcess b;

    @BeforeAll
    static void startCluster() throws Exception {
        assumeTrue(RedisServer.available() || System.getenv("CI") != null, "redis-server is not installed");
        redis = RedisServer.start();
        slow = new SlowLink(redis.port(), LAG);
        upstream = FakeUpstream.start(ex -> {
            ex.respond(200, "text/event-stream").write(CHUNK);
            try {
                while (true) { // a chunk every 100 ms until the client closes
                    ex.pace(Duration.ofMillis(100)).write(CHUNK);
                }
            } catch (IOException closed) {
                // the generation was cancelled
            }
        });
        Map<String, String> settings = new HashMap<>(Map.of("chat.backend", "openai",
                "chat.openai.base-url", upstream.url("/v1"), "chat.openai.api-key", "sk-test",
                "chat.openai.model", "m", "chat.stream.detach-grace-seconds", "120", "chat.store.url", "off"));
        settings.put("chat.cluster.redis-url", slow.redisUrl());
        a = DevServerProcess.launch("a", settings);
        settings.put("chat.cluster.redis-url", redis.url());
        b = DevServerProcess.launch("b", settings);
        a.awaitListening();
        b.awaitListening();
        assertTrue(Await.until(T, () -> a.lines("Connected to Redis at " + slow.redisUrl()) == 1), a::output);
        assertTrue(Await.until(T, () -> b.lines("Connected to Redis at " + redis.url()) == 1), b::output);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        DevServerProcess.closeAll(a, b);
        for (AutoCloseable c : new AutoCloseable[] {upstream, slow, redis}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** A reply started on node A, read until event {@code seq}: the latest A delivered, not yet in Redis. */
    private static SseRecorder startOnA(int seq, SseRecorder.Event[] latest) throws Exception {
        SseRecorder r = SseRecorder.open(HTTP, HttpRequest.newBuilder(a.uri("/api/chat"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"tick\"}")).build());
        assertEquals(200, r.status(), a::output);
        SseRecorder.Event e;
        do {
            e = r.nextEvent(T);
        } while (e.seq() < seq);
        latest[0] = e;
        return r;
    }

    private static HttpRequest.Builder resumeOnB(String id, long seq) {
        return HttpRequest.newBuilder(b.uri("/api/chat/streams/" + id)).header("Last-Event-ID", id + ":" + seq);
    }

    private static void stop(String id, SseRecorder onA) throws Exception {
        HttpResponse<String> deleted = HTTP.send(HttpRequest.newBuilder(b.uri("/api/chat/streams/" + id)).DELETE()
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, deleted.statusCode());
        List<SseRecorder.Event> rest = onA.readToEnd(T);
        assertEquals("cancelled", rest.get(rest.size() - 1).json().get("finish_reason").asText());
    }

    @Test
    void aResumeOnTheOtherNodeWaitsForItsViewToReachTheSeqNamedThenReplaysFromThere() throws Exception {
        SseRecorder.Event[] latest = new SseRecorder.Event[1];
        try (SseRecorder onA = startOnA(8, latest)) {
            String id = onA.header("X-Stream-Id");
            long seq = latest[0].seq();
            try (SseRecorder onB = SseRecorder.open(HTTP, resumeOnB(id, seq).build())) {
                assertEquals(200, onB.status(), "resumed after seq " + seq + ", which B's view lacked at first");
                SseRecorder.Event next = onB.nextEvent(T);
                assertEquals(seq + 1, next.seq(), "the event after the one named: none lost, none repeated");
                assertEquals("tick", next.content());
                stop(id, onA);
                List<SseRecorder.Event> rest = onB.readToEnd(T);
                SseRecorder.assertSequential(rest, seq + 2);
                assertEquals("cancelled", rest.get(rest.size() - 1).json().get("finish_reason").asText());
            }
        }
    }

    @Test
    void aSeqTheStreamNeverSentIsRefusedOnceTheWaitIsOver() throws Exception {
        SseRecorder.Event[] latest = new SseRecorder.Event[1];
        // a few chunks in (100 ms apart), so that the start is in Redis, and the stream is known to B
        try (SseRecorder onA = startOnA(6, latest)) {
            String id = onA.header("X-Stream-Id");
            long asked = System.nanoTime();
            HttpResponse<String> beyond = HTTP.send(resumeOnB(id, latest[0].seq() + 1000).build(),
                    HttpResponse.BodyHandlers.ofString());
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
            assertEquals(400, beyond.statusCode(), beyond.body());
            assertTrue(beyond.body().contains("\"invalid_request\""), beyond.body());
            assertTrue(took >= RemoteStream.CATCH_UP.toMillis(), "judged after the wait, not before: " + took + " ms");
            stop(id, onA);
        }
    }
}
