package io.chatstream.security;

import io.chatstream.testing.RawHttp;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that send a request's head a line at a time, never finishing it (slowloris): the dev server closes each
 * connection once {@code chat.server.header-timeout-seconds} have passed, however steadily the lines come, as
 * Tomcat's {@code connectionTimeout} does. A request whose head arrived in time is not affected, nor a long response.
 */
class SlowHeadersTest {

    private static final int TIMEOUT_SECONDS = 2;
    private static final int CONNECTIONS = 40;

    @Test
    void aHeadThatTricklesInIsCutAtTheHeaderTimeout() throws Exception {
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        List<Socket> sockets = new ArrayList<>();
        try (TestServer s = TestServer.start(Map.of("chat.server.header-timeout-seconds",
                Integer.toString(TIMEOUT_SECONDS)))) {
            for (int i = 0; i < CONNECTIONS; i++) {
                Socket socket = RawHttp.connect(s.port());
                socket.setSoTimeout((TIMEOUT_SECONDS + 6) * 1000);
                socket.getOutputStream().write(("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                sockets.add(socket);
            }
            long started = System.nanoTime();
            // a header line for every connection every 300 ms: each keeps the connection busy, none ends the head
            trickle.scheduleAtFixedRate(() -> {
                for (Socket socket : sockets) {
                    try {
                        socket.getOutputStream().write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        // closed by the server: what this test waits for
                    }
                }
            }, 300, 300, TimeUnit.MILLISECONDS);
            for (Socket socket : sockets) {
                assertTrue(closedByServer(socket.getInputStream()), "the connection is closed");
            }
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(tookMillis < (TIMEOUT_SECONDS + 3) * 1000L, "closed after " + tookMillis + " ms");

            // a prompt client on a kept-alive connection is answered, twice
            try (Socket socket = RawHttp.connect(s.port())) {
                for (int i = 0; i < 2; i++) {
                    socket.getOutputStream().write("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    assertEquals(200, RawHttp.read(socket.getInputStream()).status());
                }
            }
        } finally {
            trickle.shutdownNow();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    /** True when the server closed the connection (end of stream or reset) before the socket's read timeout. */
    private static boolean closedByServer(InputStream in) throws IOException {
        try {
            while (in.read() >= 0) {
                // a 408 or 400 before closing is fine too
            }
            return true;
        } catch (SocketException reset) {
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        }
    }
}
