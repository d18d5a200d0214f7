package io.chatstream.security;

import io.chatstream.config.ChatConfig;
import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import io.chatstream.testing.RawHttp;
import io.chatstream.testing.TestServer;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that announce a large body and then send nothing (or a trickle) cost the server what they sent, not what
 * they announced (a {@code Content-Length} is a claim, not an allocation), and only for
 * {@code chat.limits.body-timeout-seconds}: then they get 408, whatever the container's idle timeout.
 */
@Timeout(60)
@Execution(ExecutionMode.CONCURRENT)
class StalledBodyTest {

    private static final int CLIENTS = 300;

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void anAnnouncedBodyThatNeverComesCostsNoMoreThanWhatCame() throws Exception {
        try (TestServer s = TestServer.start(Map.of())) {
            ServerConnector connector = (ServerConnector) s.jetty().getConnectors()[0];
            ScheduledThreadPoolExecutor scheduler = (ScheduledThreadPoolExecutor) s.app().scheduler();
            int timers = scheduler.getQueue().size();
            long before = usedHeap();
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    Socket socket = RawHttp.connect(s.port());
                    stalled.add(socket);
                    OutputStream out = socket.getOutputStream();
                    out.write(("POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 1048576\r\n\r\n{\"message\":\"").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                assertTrue(Api.await(10_000, () -> connector.getConnectedEndPoints().size() >= CLIENTS),
                        "every client is connected");
                // each request is in the servlet once its body's deadline is set: then it waits for the body
                assertTrue(Api.await(10_000, () -> scheduler.getQueue().size() >= timers + CLIENTS),
                        "every request waits for its body: " + (scheduler.getQueue().size() - timers));
                long grown = usedHeap() - before;
                assertTrue(grown < 64L << 20, CLIENTS + " stalled bodies of 1 MiB announced each took "
                        + (grown >> 20) + " MiB of heap");
            } finally {
                for (Socket socket : stalled) {
                    socket.close();
                }
            }
            assertTrue(Api.await(10_000, () -> connector.getConnectedEndPoints().isEmpty()),
                    "the server let go of every one");
            assertEquals(0, s.app().registry().running());
        }
    }

    @Test
    void aBodyThatDoesNotArriveInTimeIs408AndABodyThatDoesIsServed() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.limits.body-timeout-seconds", "1",
                "chat.demo.tokens-per-second", "1000", "chat.stream.retain-seconds", "0"))) {
            String head = "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n";
            ScheduledExecutorService client = Executors.newSingleThreadScheduledExecutor();
            try {
                for (boolean trickle : new boolean[] {false, true}) {
                    try (Socket socket = RawHttp.connect(s.port())) {
                        OutputStream out = socket.getOutputStream();
                        long t0 = System.nanoTime();
                        out.write((head + "{\"message\":").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        ScheduledFuture<?> trickling = trickle ? trickle(client, out) : null;
                        RawHttp.Response resp = RawHttp.read(socket.getInputStream());
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        if (trickling != null) {
                            trickling.cancel(false);
                        }
                        assertEquals(408, resp.status(), resp.body());
                        assertTrue(resp.body().contains("\"request_timeout\""), resp.body());
                        // not before the deadline (this clock started before the server's); the container's idle
                        // timeout (30 s) is far above the bound
                        assertTrue(ms >= 1_000 && ms < 5_000, "answered after " + ms + " ms");
                    }
                }
            } finally {
                client.shutdownNow();
            }
            HttpResponse<String> ok = Api.send(Api.post(s, "{\"message\":\"in time\"}"));
            assertEquals(200, ok.statusCode());
            ScheduledThreadPoolExecutor scheduler = (ScheduledThreadPoolExecutor) s.app().scheduler();
            assertTrue(Api.await(5_000, () -> scheduler.getQueue().isEmpty()),
                    "no body deadline is left once the body came: " + scheduler.getQueue());
        }
    }

    /** A space every 200 ms, which never lets the connection go idle, until a write fails or it is cancelled. */
    private static ScheduledFuture<?> trickle(ScheduledExecutorService client, OutputStream out) {
        return client.scheduleAtFixedRate(() -> {
            try {
                out.write(' ');
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // answered and closed already: no further run
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
    }

    @Test
    void aBodyStillComingInWhenTheWebappStopsIs503AtOnce() throws Exception {
        TestServer s = TestServer.start(Map.of()); // the body timeout: 30 s
        ScheduledThreadPoolExecutor scheduler = (ScheduledThreadPoolExecutor) s.app().scheduler();
        int timers = scheduler.getQueue().size();
        try (Socket socket = RawHttp.connect(s.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"message\":").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertTrue(Api.await(5_000, () -> ((ServerConnector) s.jetty().getConnectors()[0])
                    .getConnectedEndPoints().size() == 1), "connected");
            assertTrue(Api.await(5_000, () -> scheduler.getQueue().size() > timers),
                    "the request reached the servlet, which set the body's deadline and waits for the rest");
            long t0 = System.nanoTime();
            s.close();
            long stopMs = (System.nanoTime() - t0) / 1_000_000;
            RawHttp.Response resp = RawHttp.read(socket.getInputStream());
            assertEquals(503, resp.status(), resp.body());
            assertTrue(resp.body().contains("\"unavailable\""), resp.body());
            assertEquals("5", resp.header("Retry-After"), resp.headers().toString());
            assertTrue(stopMs < 4_000, "the stop waited for the body: " + stopMs + " ms");
        } finally {
            s.close();
        }
    }

    @Test
    void theBodyTimeoutIsASettingCheckedAtStart() {
        assertEquals(30, ChatConfig.load(Settings.of(Map.of()))
                .bodyTimeout().toSeconds());
        for (String bad : new String[] {"0", "-1", "soon", "3601"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> ChatConfig.load(
                    Settings.of(Map.of("chat.limits.body-timeout-seconds", bad))));
            assertTrue(e.getMessage().contains("chat.limits.body-timeout-seconds"), e.getMessage());
        }
    }
}
