package io.chatstream.diagnostics;

import io.chatstream.testing.RawHttp;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connection tests cannot lock others out: one client gets a few at once, and runs whose clients left during their
 * silence free their places within seconds, without waiting for the silence (up to ten minutes) to end. Clients are
 * told apart by {@code X-Forwarded-For} behind a trusted proxy, as many users behind one load balancer.
 */
class DiagnosticsLockoutTest {

    /** The server-wide number of connection tests at once (ChatContextListener). */
    private static final int MAX_RUNS = 32;
    /** Two probes of {@link Diagnostics#PROBE_SECONDS}, and room for a busy machine. */
    private static final int FREED_WITHIN_SECONDS = 12;

    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("chat.limits.trusted-proxies", "127.0.0.1"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** Sends a connection test's request for {@code client}; the response is read by the caller. */
    private static Socket request(String client, String query) throws IOException {
        Socket socket = RawHttp.connect(server.port());
        socket.getOutputStream().write(("GET /api/diagnostics?" + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Accept: text/event-stream\r\nX-Forwarded-For: " + client + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    /** Reads a response head; for a 200 also up to the first tick, so the run is in its silence. */
    private static int statusThenTick(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder text = new StringBuilder();
        int status = 0;
        for (int c; (c = in.read()) >= 0; ) {
            text.append((char) c);
            if (status == 0 && text.indexOf("\r\n") > 0) {
                status = Integer.parseInt(text.toString().split(" ")[1]);
            }
            if (status != 0 && status != 200 && text.indexOf("\r\n\r\n") > 0) {
                return status;
            }
            if (text.indexOf("\"type\":\"tick\"") > 0 && text.lastIndexOf("\n\n") > text.indexOf("\"type\":\"tick\"")) {
                return status;
            }
        }
        throw new IOException("the connection ended: " + text);
    }

    @Test
    void oneClientGetsAFewRunsAndTheOthersStillGetTheirs() throws Exception {
        List<Socket> greedy = new ArrayList<>();
        try {
            int admitted = 0;
            RawHttp.Response refused = null;
            for (int i = 0; i < MAX_RUNS && refused == null; i++) {
                Socket s = request("203.0.113.1", "ticks=1&idle=600");
                greedy.add(s);
                RawHttp.Response r = RawHttp.read(s.getInputStream());
                if (r.status() == 200) {
                    admitted++;
                } else {
                    refused = r;
                }
            }
            assertNotNull(refused, "one client opened " + admitted + " connection tests");
            assertTrue(admitted >= 1 && admitted <= 2, admitted + " admitted");
            assertEquals(429, refused.status());
            assertNotNull(refused.header("Retry-After"));
            try (Socket other = request("203.0.113.2", "ticks=1&idle=0")) {
                assertEquals(200, statusThenTick(other), "another client is not locked out");
            }
        } finally {
            for (Socket s : greedy) {
                s.close();
            }
        }
    }

    @Test
    void runsAbandonedInTheirSilenceFreeTheirPlacesWithinSeconds() throws Exception {
        List<Socket> abandoned = new ArrayList<>();
        try {
            // every place taken (another test's runs may hold some), each run in its silence
            for (int i = 0; i < MAX_RUNS; i++) {
                abandoned.add(request("198.51.100." + (10 + i), "ticks=1&idle=600"));
            }
            int admitted = 0;
            for (Socket s : abandoned) {
                admitted += statusThenTick(s) == 200 ? 1 : 0;
            }
            assertTrue(admitted >= MAX_RUNS - 2, admitted + " admitted");
            assertEquals(503, status("192.0.2.77", "ticks=1&idle=0"), "every place is taken");
        } finally {
            for (Socket s : abandoned) {
                s.close();
            }
        }
        // a new client asks every 200 ms until it is let in
        long start = System.nanoTime();
        CompletableFuture<Integer> admitted = new CompletableFuture<>();
        ScheduledExecutorService asker = Executors.newSingleThreadScheduledExecutor();
        try {
            asker.scheduleWithFixedDelay(() -> {
                int status = status("192.0.2.77", "ticks=1&idle=0");
                if (status == 200) {
                    admitted.complete(status);
                }
            }, 0, 200, TimeUnit.MILLISECONDS);
            admitted.get(FREED_WITHIN_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("a new client still refused " + TimeUnit.NANOSECONDS.toSeconds(
                    System.nanoTime() - start) + " s after the clients left");
        } finally {
            asker.shutdownNow();
        }
    }

    private static int status(String client, String query) {
        try (Socket s = request(client, query)) {
            return RawHttp.read(s.getInputStream()).status();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
