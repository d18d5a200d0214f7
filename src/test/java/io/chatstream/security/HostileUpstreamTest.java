package io.chatstream.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile upstreams through the whole server ({@code chat.backend=openai}, a fake upstream on port 0, clients over
 * real HTTP): 100 MB without a newline, a reply that never ends (fast, slow, or only keep-alive comments), garbage
 * bytes. Each stream ends with the right terminal event, the upstream connection is closed, a well-behaved stream
 * running at the same time keeps its pace, and afterwards nothing is left: no running stream, no retained one, no
 * timer, no upstream connection.
 */
@Timeout(120)
class HostileUpstreamTest {

    private static final Duration T = Duration.ofSeconds(20);
    private static final byte[] BLOCK = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
    private static final String CHUNK = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"}}]}\n\n";

    /** When the fake upstream saw each scenario's connection closed, and how many body bytes it had written. */
    private final Map<String, CompletableFuture<Long>> closed = new ConcurrentHashMap<>();

    private void upstream(FakeUpstream.Exchange ex) throws Exception {
        String body = ex.request().body();
        String scenario = SseRecorder.JSON.readTree(body).get("messages").get(0).get("content").asText();
        CompletableFuture<Long> done = closed.computeIfAbsent(scenario, k -> new CompletableFuture<>());
        boolean closedByServer = false;
        try {
            switch (scenario) {
                case "flood" -> {
                    ex.respond(200, "text/event-stream").write("data: ");
                    while (ex.written() < 100L * 1024 * 1024) {
                        ex.write(BLOCK);
                    }
                }
                case "endless-fast" -> {
                    ex.respond(200, "text/event-stream");
                    String piece = String.format(CHUNK, "y".repeat(4000));
                    while (true) {
                        ex.write(piece);
                    }
                }
                case "endless-slow" -> {
                    ex.respond(200, "text/event-stream");
                    while (true) {
                        ex.write(String.format(CHUNK, "z")).pace(Duration.ofMillis(20));
                    }
                }
                case "endless-whitespace" -> { // content that might still precede a <think> block, forever
                    ex.respond(200, "text/event-stream");
                    String piece = String.format(CHUNK, " \\n".repeat(1000));
                    while (true) {
                        ex.write(piece);
                    }
                }
                case "endless-tool-calls" -> { // a new tool call index in every event, never finished
                    ex.respond(200, "text/event-stream");
                    for (int i = 0; ; i++) {
                        ex.write("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":" + i
                                + "}]}}]}\n\n");
                    }
                }
                case "endless-comments" -> {
                    ex.respond(200, "text/event-stream");
                    while (true) {
                        ex.write(": keep-alive\n\n").pace(Duration.ofMillis(200));
                    }
                }
                case "garbage" -> {
                    byte[] junk = new byte[256 * 1024];
                    new Random(6).nextBytes(junk);
                    ex.respond(200, "text/event-stream").write(junk);
                    closedByServer = ex.awaitClientClose(Duration.ofSeconds(10));
                }
                case "garbage-json" -> {
                    ex.respond(200, "text/event-stream").write("data: {\"choices\":[{\"index\":0,\"delta\":"
                            + "{\"content\":[1,{\"a\":null}]}}]}\n\ndata: ]]]]\n\n");
                    closedByServer = ex.awaitClientClose(Duration.ofSeconds(10));
                }
                default -> { // a well-behaved reply: 50 chunks, 20 ms apart
                    ex.respond(200, "text/event-stream");
                    for (int i = 0; i < 50; i++) {
                        ex.write(String.format(CHUNK, i + " ")).pace(Duration.ofMillis(20));
                    }
                    ex.write("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                            + "data: [DONE]\n\n").end();
                }
            }
        } catch (IOException e) {
            closedByServer = true; // a write failed: the server closed the connection, as these scenarios expect
        } finally {
            done.complete(closedByServer ? ex.written() : -1);
        }
    }

    @Test
    void eachHostileUpstreamEndsItsOwnStreamOnlyAndLeavesNothingBehind() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(this::upstream);
             TestServer s = TestServer.start(Map.of("chat.backend", "openai", "chat.openai.base-url", fake.url("/v1"),
                     "chat.openai.api-key", "sk-test-1", "chat.openai.model", "m",
                     "chat.upstream.idle-timeout-seconds", "2", "chat.stream.max-duration-seconds", "4",
                     "chat.stream.max-bytes", Integer.toString(2 << 20), "chat.stream.retain-seconds", "1",
                     "chat.limits.max-streams-per-client", "100"))) {
            Map<String, String> expected = Map.of(
                    "flood", "error:upstream_error",
                    "endless-fast", "end:length",
                    "endless-slow", "end:timeout",
                    "endless-comments", "end:timeout",
                    "endless-whitespace", "end:length",
                    "endless-tool-calls", "error:upstream_error",
                    "garbage", "error:upstream_error",
                    "garbage-json", "error:upstream_error");
            Map<String, CompletableFuture<List<Event>>> hostile = new ConcurrentHashMap<>();
            long t0 = System.nanoTime();
            ExecutorService readers = Executors.newFixedThreadPool(
                    expected.size());
            for (String scenario : expected.keySet()) {
                hostile.put(scenario, CompletableFuture.supplyAsync(() -> read(s, scenario), readers));
            }
            readers.shutdown();
            // a well-behaved stream at the same time: on time, whole, ended by its own upstream
            AtomicLong maxGap = new AtomicLong();
            List<Event> normal = readTimed(s, "normal", maxGap);
            assertEquals("stop", last(normal).json().path("finish_reason").asText(), last(normal).json().toString());
            assertEquals(1 + 50 + 1, normal.size());
            assertTrue(maxGap.get() < 1_000, "the good stream waited " + maxGap.get() + " ms between events");

            for (Map.Entry<String, String> e : expected.entrySet()) {
                List<Event> events = hostile.get(e.getKey()).get(60, TimeUnit.SECONDS);
                Event end = last(events);
                JsonNode json = end.json();
                String got = end.type() + ":" + (end.type().equals("end") ? json.get("finish_reason").asText()
                        : json.get("code").asText());
                assertEquals(e.getValue(), got, e.getKey() + ": " + json);
                SseRecorder.assertSequential(events, 1);
                long written = closed.get(e.getKey()).get(15, TimeUnit.SECONDS);
                assertTrue(written >= 0, e.getKey() + ": the upstream connection was closed by the server");
                if (e.getKey().equals("flood")) {
                    assertTrue(json.get("error").asText().contains("longer than"), json.toString());
                    assertTrue(written < 40L * 1024 * 1024, "read " + written + " bytes of 100 MB");
                }
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
            assertTrue(seconds < 15, "every hostile stream ended within its bounds: " + seconds + " s");

            // nothing left: generations, retained streams, timers
            assertTrue(Api.await(5_000, () -> s.app().registry().running() == 0), "running: "
                    + s.app().registry().running());
            assertTrue(Api.await(5_000, () -> s.app().registry().size() == 0), "retained: "
                    + s.app().registry().size());
            ScheduledThreadPoolExecutor scheduler = (ScheduledThreadPoolExecutor) s.app().scheduler();
            assertTrue(Api.await(5_000, () -> scheduler.getQueue().isEmpty()), "timers left: "
                    + scheduler.getQueue().size());
        }
    }

    private static List<Event> read(TestServer s, String message) {
        try (SseRecorder r = Api.open(Api.post(s, "{\"message\":\"" + message + "\"}"))) {
            assertEquals(200, r.status());
            return r.readToEnd(T);
        } catch (Exception e) {
            throw new AssertionError(message, e);
        }
    }

    private static List<Event> readTimed(TestServer s, String message, AtomicLong maxGapMillis) throws Exception {
        try (SseRecorder r = Api.open(Api.post(s, "{\"message\":\"" + message + "\"}"))) {
            List<Event> events = new ArrayList<>();
            long last = System.nanoTime();
            while (true) {
                Event e = r.nextEvent(T);
                long now = System.nanoTime();
                maxGapMillis.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(now - last), Math::max);
                last = now;
                events.add(e);
                if (e.isTerminal()) {
                    r.assertEnded(T);
                    return events;
                }
            }
        }
    }

    private static Event last(List<Event> events) {
        return events.get(events.size() - 1);
    }
}
