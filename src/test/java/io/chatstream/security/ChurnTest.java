package io.chatstream.security;

import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.RawHttp;
import io.chatstream.testing.TestServer;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that opens and drops thousands of connections: 10,000 cycles over raw sockets against the running
 * server, mixing a stream opened and dropped at once (some with a reset), a stream dropped after a few events, a
 * body cut short and a request head cut short. Afterwards the registry (running and retained streams), the
 * scheduler's timers, the container's connections, the JVM's threads and its heap are back near their baseline, and
 * the server still answers.
 */
@Timeout(180)
class ChurnTest {

    private static final int CYCLES = 10_000;
    private static final int CLIENTS = 8;

    private record Snapshot(int running, int retained, int timers, int connections, int threads, long heapBytes) {
    }

    private static Snapshot snapshot(TestServer s, boolean gc) {
        for (int i = 0; gc && i < 3; i++) {
            System.gc();
        }
        ServerConnector connector = (ServerConnector) s.jetty().getConnectors()[0];
        return new Snapshot(s.app().registry().running(), s.app().registry().size(),
                ((ScheduledThreadPoolExecutor) s.app().scheduler()).getQueue().size(),
                connector.getConnectedEndPoints().size(), ManagementFactory.getThreadMXBean().getThreadCount(),
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }

    /** One connect/disconnect cycle of kind {@code i % 5}. */
    private static void cycle(int port, int i) throws IOException {
        try (Socket socket = RawHttp.connect(port)) {
            OutputStream out = socket.getOutputStream();
            String get = "GET /api/chat?prompt=churn+" + i + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            switch (i % 5) {
                case 0 -> out.write(get.getBytes(StandardCharsets.US_ASCII)); // and gone at once
                case 1 -> {
                    out.write(get.getBytes(StandardCharsets.US_ASCII));
                    socket.setSoLinger(true, 0); // gone with a reset
                }
                case 2 -> {
                    out.write(get.getBytes(StandardCharsets.US_ASCII));
                    readEvents(socket.getInputStream(), 3);
                }
                case 3 -> out.write(("POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 200\r\n\r\n{\"message\":\"cut").getBytes(StandardCharsets.US_ASCII));
                default -> out.write("GET /api/chat?prompt=x HTTP/1.1\r\nHost: 12".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
        }
    }

    /** Reads until {@code n} events have begun, or the response ends. */
    private static void readEvents(InputStream in, int n) throws IOException {
        byte[] buf = new byte[2048];
        int seen = 0;
        int matched = 0;
        byte[] marker = "data: ".getBytes(StandardCharsets.US_ASCII);
        while (seen < n) {
            int r = in.read(buf);
            if (r < 0) {
                return;
            }
            for (int k = 0; k < r && seen < n; k++) {
                matched = buf[k] == marker[matched] ? matched + 1 : buf[k] == marker[0] ? 1 : 0;
                if (matched == marker.length) {
                    seen++;
                    matched = 0;
                }
            }
        }
    }

    private static void churn(TestServer s, int from, int to) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        AtomicInteger next = new AtomicInteger(from);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            done.add(clients.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < to) {
                    cycle(s.port(), i);
                }
                return null;
            }));
        }
        try {
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            clients.shutdownNow();
            // the clients' own threads end before the JVM's threads are counted: only the server's are measured
            assertTrue(clients.awaitTermination(30, TimeUnit.SECONDS), "the client threads ended");
        }
    }

    /** Waits until the server holds no stream, timer or connection of the churn. */
    private static Snapshot settled(TestServer s, Snapshot baseline) throws InterruptedException {
        Api.await(20_000, () -> {
            Snapshot now = snapshot(s, false);
            return now.running() == 0 && now.retained() == 0 && now.connections() == 0
                    && now.timers() <= baseline.timers();
        });
        return snapshot(s, true);
    }

    @Test
    void tenThousandDroppedConnectionsLeaveNothingBehind() throws Exception {
        // the one log line per finished stream, counted instead of printed (10,000 lines)
        Logger streams = Logger.getLogger("io.chatstream.streams");
        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        Handler counter = new Handler() {
            @Override
            public void publish(LogRecord r) {
                String m = r.getMessage();
                outcomes.computeIfAbsent(m.substring(m.lastIndexOf(' ') + 1), k -> new AtomicInteger())
                        .incrementAndGet();
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        streams.addHandler(counter);
        streams.setUseParentHandlers(false);
        try (TestServer s = TestServer.start(Map.of("chat.demo.tokens-per-second", "200",
                "chat.stream.retain-seconds", "1", "chat.stream.detach-grace-seconds", "0",
                "chat.limits.max-streams-per-client", "100000"))) {
            churn(s, 0, 500); // warm up: the container's pools and the JIT reach their working size
            Snapshot baseline = settled(s, snapshot(s, false));
            assertEquals(0, baseline.running());

            outcomes.clear();
            long t0 = System.nanoTime();
            churn(s, 500, 500 + CYCLES);
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
            assertTrue(seconds < 120, CYCLES + " cycles took " + seconds + " s");

            Snapshot after = settled(s, baseline);
            String report = "baseline " + baseline + "\nafter    " + after + "\nstreams  " + outcomes;
            System.out.println("Churn of " + CYCLES + " cycles in " + seconds + " s\n" + report);
            int ended = outcomes.values().stream().mapToInt(AtomicInteger::get).sum();
            assertTrue(ended >= CYCLES * 3 / 5 * 9 / 10, "the streams of the churn ran and ended\n" + report);
            int cancelled = outcomes.getOrDefault("finish_reason=cancelled", new AtomicInteger()).get();
            assertTrue(cancelled > ended / 2, "most were cancelled when their client left, not run to the end\n"
                    + report);
            assertEquals(0, after.running(), "no generation left running\n" + report);
            assertEquals(0, after.retained(), "no stream left after retention\n" + report);
            assertEquals(0, after.connections(), "no connection left open\n" + report);
            assertTrue(after.timers() <= baseline.timers(), "no timer left behind\n" + report);
            assertTrue(after.threads() <= baseline.threads() + 4, "threads back to the baseline\n" + report);
            assertTrue(after.heapBytes() < baseline.heapBytes() + (32 << 20), "heap back near the baseline\n"
                    + report);

            try (SseRecorder r = Api.open(Api.prompt(s, "still here"))) {
                List<SseRecorder.Event> events = r.readToEnd(Duration.ofSeconds(20));
                assertEquals("stop", events.get(events.size() - 1).json().get("finish_reason").asText(),
                        "the server still answers");
            }
        } finally {
            streams.removeHandler(counter);
            streams.setUseParentHandlers(true);
        }
    }
}
