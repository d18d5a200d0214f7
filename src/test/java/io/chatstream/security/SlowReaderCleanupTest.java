package io.chatstream.security;

import io.chatstream.stream.ChatStream;
import io.chatstream.testing.TestServer;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The memory and clean-up side of a reader that never reads (that the other readers stay on time is
 * {@code StreamLifetimeTest}'s): it is dropped once its backlog passes {@code chat.sse.max-backlog-bytes}, the
 * stream, left without readers, is cancelled, holds no more than it generated until then, and after retention no
 * stream, reader, timer or connection is left.
 */
@Timeout(60)
class SlowReaderCleanupTest {

    @Test
    void aReaderThatNeverReadsIsDroppedAndLeavesNothingBehind() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.demo.tokens-per-second", "20000",
                "chat.demo.reply-tokens", "1000000", "chat.sse.max-backlog-bytes", "262144",
                "chat.stream.max-bytes", "1000000000", "chat.stream.detach-grace-seconds", "0",
                "chat.stream.retain-seconds", "1"))) {
            ServerConnector connector = (ServerConnector) s.jetty().getConnectors()[0];
            ScheduledThreadPoolExecutor scheduler = (ScheduledThreadPoolExecutor) s.app().scheduler();
            String id;
            ChatStream stream;
            int lastSeq;
            try (Socket slow = new Socket()) {
                slow.setReceiveBufferSize(4096);
                slow.connect(new InetSocketAddress("127.0.0.1", s.port()));
                OutputStream out = slow.getOutputStream();
                out.write("GET /api/chat?prompt=never+read HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                id = streamIdFromHead(slow.getInputStream()); // then never another byte is read
                stream = s.app().registry().find(id);

                assertTrue(Api.await(15_000, stream::isTerminated), "the stream ended without its reader");
                assertEquals(0, stream.readerCount(), "the reader was dropped");
                assertTrue(stream.terminal().toString().contains("CANCELLED"), "cancelled once nobody read: "
                        + stream.terminal());
                long kept = stream.bytesAfter(0);
                assertTrue(kept < 16L << 20, "generation stopped soon after the reader fell behind: the stream"
                        + " kept " + kept + " bytes of a reply of a million tokens");
                lastSeq = stream.lastSeq();
            } // the client finally goes away
            assertTrue(Api.await(5_000, () -> s.app().registry().size() == 0), "expired after retention");
            // the retention (1 s) has passed since the cancel: a reply at 20,000 tokens a second would have gone on
            assertEquals(lastSeq, stream.lastSeq(), "nothing is generated after the cancel");
            assertNull(s.app().registry().find(id));
            assertEquals(0, s.app().registry().running());
            assertTrue(Api.await(5_000, () -> scheduler.getQueue().isEmpty()), "timers left: "
                    + scheduler.getQueue());
            assertTrue(Api.await(5_000, () -> connector.getConnectedEndPoints().isEmpty()), "connections left: "
                    + connector.getConnectedEndPoints());
        }
    }

    /** Reads the response head, byte by byte so nothing of the body is taken, and returns its X-Stream-Id. */
    private static String streamIdFromHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("no response head: " + head);
            }
            head.append((char) b);
        }
        for (String line : head.toString().split("\r\n")) {
            if (line.regionMatches(true, 0, "X-Stream-Id:", 0, 12)) {
                return line.substring(12).trim();
            }
        }
        throw new AssertionError("no X-Stream-Id: " + head);
    }
}
