package io.chatstream.web;

import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.demo.DemoBackend;
import io.chatstream.testing.Await;
import io.chatstream.dev.DevServer;
import io.chatstream.stream.ChatStream;
import io.chatstream.testing.SseParser;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;
import io.chatstream.testing.TestServer;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stream lifetimes (SPEC section 4) and keep-alives (section 3) over real HTTP, each with its own short settings. The
 * tests wait on conditions, never on the clock; a time is checked only as a lower bound measured from before the
 * server could start it (nothing came too early), which a slow machine cannot break. The exact rules are tested on
 * a manual clock with the stream classes.
 */
@Execution(ExecutionMode.CONCURRENT)
class StreamLifetimeTest {

    private static final Duration T = Duration.ofSeconds(10);
    private final HttpClient http = HttpClient.newHttpClient();

    private static HttpRequest prompt(TestServer s, String text) {
        return HttpRequest.newBuilder(s.uri("/api/chat?prompt=" + text)).build();
    }

    private static HttpRequest attach(TestServer s, String id, long after) {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.uri("/api/chat/streams/" + id));
        if (after > 0) {
            b.header("Last-Event-ID", id + ":" + after);
        }
        return b.build();
    }

    @Test
    void keepAliveCommentsComeOnlyWhenTheStreamIsIdle() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.sse.keepalive-seconds", "1",
                "chat.demo.tokens-per-second", "0.1"))) {
            long sent = System.nanoTime();
            try (SseRecorder r = SseRecorder.open(http, prompt(s, "idle"))) {
                r.next(T); // retry
                assertEquals("start", r.nextEvent(T).type());
                // two over real HTTP; DeliveryPacingTest checks each period to the nanosecond on a manual clock
                for (int i = 1; i <= 2; i++) {
                    SseParser.Frame f = r.next(Duration.ofSeconds(3));
                    assertEquals("keep-alive", f.comment(), "an idle stream gets keep-alive comments");
                    // the i-th ends i seconds of silence (less the server's 1 ms of slack), counted from after `sent`
                    long ms = (System.nanoTime() - sent) / 1_000_000;
                    assertTrue(ms >= i * 999L, "keep-alive " + i + " came " + ms + " ms after the request");
                }
            }
        }
        try (TestServer s = TestServer.start(Map.of("chat.sse.keepalive-seconds", "1",
                "chat.demo.tokens-per-second", "20", "chat.demo.reply-tokens", "45"));
             SseRecorder r = SseRecorder.open(http, prompt(s, "busy"))) {
            List<Event> events = r.readToEnd(T);
            assertTrue(events.size() > 50, "the reply runs for more than two keep-alive periods");
            assertTrue(r.seen().stream().noneMatch(f -> f.comment() != null),
                    "no keep-alive while events flow: " + r.seen().stream().filter(f -> f.comment() != null).count());
        }
    }

    @Test
    void ndjsonPingsWhenIdle() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.sse.keepalive-seconds", "1",
                "chat.demo.tokens-per-second", "0.1"))) {
            HttpResponse<java.io.InputStream> resp = http.send(HttpRequest.newBuilder(s.uri("/api/chat?prompt=x"))
                    .header("Accept", "application/x-ndjson").build(), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                assertTrue(in.readLine().startsWith("{\"type\":\"start\""));
                assertEquals("{\"type\":\"ping\"}", in.readLine());
            }
        }
    }

    @Test
    void aReconnectWithinTheGracePeriodResumesTheGeneration() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.stream.detach-grace-seconds", "30",
                "chat.demo.tokens-per-second", "10"))) {
            String id;
            long seen;
            try (SseRecorder r = SseRecorder.open(http, prompt(s, "keep"))) {
                id = r.header("X-Stream-Id");
                seen = r.nextEvent(T).seq();
            }
            ChatStream stream = s.app().registry().find(id);
            assertTrue(Await.until(T, () -> stream.readerCount() == 0), "the server saw the last reader leave");
            int atDetach = stream.lastSeq();
            assertTrue(Await.until(T, () -> stream.lastSeq() > atDetach), "the generation goes on with no reader");
            try (SseRecorder r = SseRecorder.open(http, attach(s, id, seen))) {
                for (int i = 0; i < 15; i++) {
                    Event e = r.nextEvent(T);
                    assertEquals(seen + 1 + i, e.seq());
                    assertTrue(!e.isTerminal(), "still generating after a reconnect within the grace period");
                }
            }
        }
    }

    @Test
    void withNoReconnectTheGracePeriodEndsInACancelAndTheGenerationStops() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.stream.detach-grace-seconds", "1",
                "chat.demo.tokens-per-second", "10"))) {
            String id;
            long left;
            try (SseRecorder r = SseRecorder.open(http, prompt(s, "leave"))) {
                id = r.header("X-Stream-Id");
                r.nextEvent(T);
                left = System.nanoTime(); // before the server can see the reader leave
            }
            ChatStream stream = s.app().registry().find(id);
            assertTrue(Await.until(T, stream::isTerminated), "cancelled once the grace period is over");
            long ms = (System.nanoTime() - left) / 1_000_000;
            assertTrue(ms >= 1000, "cancelled " + ms + " ms after the reader left, within the grace period");
            int lastSeq = stream.lastSeq();
            // another reply on the same backend gets three tokens, 300 ms of its pace: the first would have had three
            try (SseRecorder witness = SseRecorder.open(http, prompt(s, "witness"))) {
                for (int i = 0; i < 4; i++) {
                    witness.nextEvent(T);
                }
            }
            assertEquals(lastSeq, stream.lastSeq(), "nothing is generated after the cancel");
            try (SseRecorder r = SseRecorder.open(http, attach(s, id, 0))) {
                List<Event> all = r.readToEnd(T);
                assertEquals("cancelled", all.get(all.size() - 1).json().get("finish_reason").asText());
            }
        }
    }

    @Test
    void zeroGraceCancelsAsSoonAsTheLastReaderLeaves() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.stream.detach-grace-seconds", "0",
                "chat.demo.tokens-per-second", "10"))) {
            String id;
            try (SseRecorder r = SseRecorder.open(http, prompt(s, "zero"))) {
                id = r.header("X-Stream-Id");
                r.nextEvent(T);
                r.nextEvent(T);
            }
            ChatStream stream = s.app().registry().find(id);
            assertTrue(Await.until(T, stream::isTerminated), "cancelled once the disconnect is seen");
            assertTrue(stream.terminal().toString().contains("CANCELLED"));
        }
    }

    @Test
    void maxDurationEndsWithTimeoutAndRetentionExpires() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.stream.max-duration-seconds", "1",
                "chat.stream.retain-seconds", "1", "chat.demo.tokens-per-second", "5"))) {
            String id;
            long t0 = System.nanoTime();
            try (SseRecorder r = SseRecorder.open(http, prompt(s, "long"))) {
                id = r.header("X-Stream-Id");
                List<Event> all = r.readToEnd(T);
                assertEquals("timeout", all.get(all.size() - 1).json().get("finish_reason").asText());
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 1000, "ended after " + ms + " ms, before chat.stream.max-duration-seconds");
            assertTrue(Await.until(T, () -> s.app().registry().find(id) == null), "expired");
            ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 2000, "expired " + ms + " ms after the request, before chat.stream.retain-seconds");
            assertEquals(404, http.send(attach(s, id, 0), HttpResponse.BodyHandlers.ofString()).statusCode(),
                    "expired after chat.stream.retain-seconds");
        }
    }

    @Test
    void aReaderThatNeverReadsIsDroppedAndNobodyElseWaits() throws Exception {
        // 150,000 tokens at 60,000 a second: the slow reader's backlog passes the limit in a fraction of that
        try (TestServer s = TestServer.start(Map.of("chat.demo.tokens-per-second", "60000",
                "chat.demo.reply-tokens", "150000", "chat.sse.max-backlog-bytes", "262144",
                "chat.stream.max-bytes", "100000000"));
             SseRecorder fast = SseRecorder.open(http, prompt(s, "flood"));
             Socket slow = new Socket()) {
            String id = fast.header("X-Stream-Id");
            slow.setReceiveBufferSize(4096);
            slow.connect(new java.net.InetSocketAddress("127.0.0.1", s.port()));
            OutputStream out = slow.getOutputStream();
            out.write(("GET /api/chat/streams/" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            ChatStream stream = s.app().registry().find(id);
            long maxGapNanos = 0;
            long last = System.nanoTime();
            boolean sawTwo = false;
            boolean dropped = false;
            int events = 0;
            while (true) {
                Event e = fast.nextEvent(T);
                long now = System.nanoTime();
                maxGapNanos = Math.max(maxGapNanos, now - last);
                last = now;
                events++;
                int readers = stream.readerCount();
                sawTwo |= readers == 2;
                dropped |= sawTwo && readers == 1;
                if (e.isTerminal()) {
                    break;
                }
            }
            assertTrue(sawTwo, "the slow reader attached");
            assertTrue(dropped, "the slow reader was dropped before the end");
            assertTrue(maxGapNanos < 1_000_000_000L, "the other reader never waited: max gap "
                    + maxGapNanos / 1_000_000 + " ms");
            int reasoning = DemoBackend.tokens(DemoBackend.reasoningText(ChatRequest.of("flood"))).size();
            assertEquals(1 + reasoning + 150_000 + 1, events, "every event reached the reader that reads");
        }
    }

    @Test
    void webappStopSendsJitteredRetryAndCompletesWithoutATerminalEvent() throws Exception {
        // registered before the webapp's own listener, so its contextDestroyed runs after the webapp's has returned
        StopWitness witness = new StopWitness();
        TestServer s = TestServer.start(Map.of("chat.demo.tokens-per-second", "2"),
                webapp -> webapp.addEventListener(witness));
        List<SseRecorder> readers = new ArrayList<>();
        int streams = 6;
        Logger stopLog = Logger.getLogger(ChatContextListener.class.getName());
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        try {
            for (int i = 0; i < streams; i++) {
                SseRecorder r = SseRecorder.open(http, prompt(s, "bye" + i));
                assertEquals("start", r.nextEvent(T).type());
                readers.add(r);
            }
        } finally {
            stopLog.addHandler(capture);
            try {
                s.close();
            } finally {
                stopLog.removeHandler(capture);
            }
        }
        // the stop waits, up to a bound, until the container has destroyed every request; it warns when the bound
        // passed first
        assertTrue(warnings.isEmpty(), "the stop waited out its bound instead of seeing every request destroyed: "
                + warnings.stream().map(LogRecord::getMessage).toList());
        Set<Long> retries = new HashSet<>();
        for (SseRecorder r : readers) {
            retries.add(assertEndsWithJitteredRetry(r));
        }
        assertTrue(retries.size() > 1, "retry values are spread: " + retries);
        assertEquals(streams, witness.destroyedAtStop,
                "the webapp's stop returned only after the container had finished every request it ended");
    }

    @Test
    void theJvmsExitEndsTheStreamsWhileTheConnectionsAreStillOpen() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.demo.tokens-per-second", "2"))) {
            SseRecorder r = SseRecorder.open(http, prompt(s, "exit"));
            assertEquals("start", r.nextEvent(T).type());
            ChatContextListener listener = DevServer.webapp(s.jetty()).getEventListeners().stream()
                    .filter(ChatContextListener.class::isInstance).map(ChatContextListener.class::cast)
                    .findFirst().orElseThrow();
            listener.exitHook().run(); // what the JVM runs as it begins to exit, before the container stops
            assertEndsWithJitteredRetry(r);
            HttpResponse<String> late = http.send(prompt(s, "late"), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, late.statusCode(), "no stream starts once the exit began: " + late.body());
        }
    }

    /** Reads {@code r} to its {@code retry:} (no terminal event before it), then to its end; returns the retry. */
    private static long assertEndsWithJitteredRetry(SseRecorder r) throws Exception {
        Long retry = null;
        while (retry == null) {
            SseParser.Frame f = r.next(T);
            assertTrue(!f.isEvent() || !Event.of(f).isTerminal(), "no terminal event when the webapp stops");
            retry = f.retry();
        }
        assertTrue(retry >= 3000 && retry <= 9000, "jittered retry " + retry);
        r.assertEnded(T);
        r.close();
        return retry;
    }

    /**
     * Stands for a container whose threads take a while to finish a request the webapp completed: a filter adds to
     * every chat request an async listener whose {@code onComplete} takes 100 ms (run on the container's thread,
     * after the webapp's own listeners), and counts the ones that finished. Its {@code contextDestroyed} runs after
     * the webapp's and notes the count then.
     */
    static final class StopWitness implements ServletContextListener, Filter {
        private final AtomicInteger finished = new AtomicInteger();
        volatile int destroyedAtStop = -1;

        @Override
        public void contextInitialized(ServletContextEvent event) {
            FilterRegistration.Dynamic f = event.getServletContext().addFilter("stop-witness", this);
            f.setAsyncSupported(true);
            f.addMappingForUrlPatterns(null, false, "/api/chat");
        }

        @Override
        public void doFilter(ServletRequest req, ServletResponse resp, FilterChain chain)
                throws IOException, ServletException {
            chain.doFilter(req, resp);
            if (req.isAsyncStarted()) {
                req.getAsyncContext().addListener(new AsyncListener() {
                    @Override
                    public void onComplete(AsyncEvent event) throws IOException {
                        try {
                            Thread.sleep(100); // the container thread's slowness is the point: nothing to wait for
                        } catch (InterruptedException e) {
                            throw new InterruptedIOException();
                        }
                        finished.incrementAndGet();
                    }

                    @Override
                    public void onTimeout(AsyncEvent event) {
                    }

                    @Override
                    public void onError(AsyncEvent event) {
                    }

                    @Override
                    public void onStartAsync(AsyncEvent event) {
                    }
                });
            }
        }

        @Override
        public void contextDestroyed(ServletContextEvent event) {
            destroyedAtStop = finished.get();
        }
    }

    @Test
    void limitsAnswer429PerClientAnd503ServerWide() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.limits.max-streams-per-client", "1",
                "chat.demo.tokens-per-second", "5"));
             SseRecorder first = SseRecorder.open(http, prompt(s, "one"))) {
            assertEquals(200, first.status());
            HttpResponse<String> second = http.send(prompt(s, "two"), HttpResponse.BodyHandlers.ofString());
            assertEquals(429, second.statusCode());
            assertNotNull(second.headers().firstValue("Retry-After").orElse(null));
            assertEquals("too_many_streams",
                    SseRecorder.JSON.readTree(second.body()).get("error").get("code").asText());
            http.send(HttpRequest.newBuilder(s.uri("/api/chat/streams/" + first.header("X-Stream-Id"))).DELETE()
                    .build(), HttpResponse.BodyHandlers.ofString());
            try (SseRecorder again = SseRecorder.open(http, prompt(s, "three"))) {
                assertEquals(200, again.status(), "the slot is free once the first stream ended");
            }
        }
        try (TestServer s = TestServer.start(Map.of("chat.limits.max-streams", "1",
                "chat.demo.tokens-per-second", "5"));
             SseRecorder first = SseRecorder.open(http, prompt(s, "one"))) {
            assertEquals(200, first.status());
            HttpResponse<String> second = http.send(prompt(s, "two"), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, second.statusCode());
            assertNotNull(second.headers().firstValue("Retry-After").orElse(null));
            assertEquals("unavailable", SseRecorder.JSON.readTree(second.body()).get("error").get("code").asText());
        }
    }
}
