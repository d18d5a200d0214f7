package io.chatstream.security;

import io.chatstream.testing.TestServer;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that announce a large body and then send nothing (or a trickle) cost the server what they sent, not what
 * they announced: a {@code Content-Length} is a claim, not an allocation.
 */
@Timeout(60)
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
                        "every client is connected and waiting");
                Thread.sleep(500);
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
}
