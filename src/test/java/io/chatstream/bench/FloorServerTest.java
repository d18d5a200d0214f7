package io.chatstream.bench;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark's yardstick must speak what the load client checks (status, {@code retry:} first, ids in order,
 * {@code start}, exactly the asked number of chunks, one {@code end}, the end of the chunked body), with and without
 * a write interval, or the floor figures of docs/performance.md could not be measured again.
 */
class FloorServerTest {

    private static void holdsItsStreams(String writeIntervalMs) throws Exception {
        FloorServer floor = new FloorServer(Map.of("port", "0", "tokens-per-second", "200", "reply-tokens", "40",
                "write-interval-ms", writeIntervalMs));
        try {
            boolean ok = LoadClient.run(Map.of("label", "floor-" + writeIntervalMs, "port",
                    Integer.toString(floor.port()), "path", "/api/chat", "streams", "50", "ramp", "0.5",
                    "reply-tokens", "40", "timeout", "30"));
            assertTrue(ok, "a stream failed (see the report above)");
        } finally {
            floor.close();
        }
    }

    @Test
    void everyStreamIsCompleteWithOneWritePerEvent() throws Exception {
        holdsItsStreams("0");
    }

    @Test
    void everyStreamIsCompleteWhenEventsShareWrites() throws Exception {
        holdsItsStreams("30");
    }

    @Test
    void aReaderThatFallsBehindGetsEveryEventOnceInOrder() throws Exception {
        int tokens = 100_000; // about 7 MB in a second: more than the sockets' buffers hold while the reader waits
        FloorServer floor = new FloorServer(Map.of("port", "0", "threads", "1", "tokens-per-second", "100000",
                "reply-tokens", Integer.toString(tokens)));
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", floor.port()));
            OutputStream out = socket.getOutputStream();
            out.write("GET /api/chat?prompt=hi HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
            assertEquals("HTTP/1.1 200 OK", in.readLine(), "the reply began");
            // a second reply of the same length, begun later on the same thread and read at once: when it has ended,
            // the first one's events are all due, and with nothing read its writes have been waiting for the socket
            try (Socket witness = new Socket("127.0.0.1", floor.port())) {
                witness.setSoTimeout(30_000);
                witness.getOutputStream().write("GET /api/chat?prompt=hi HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                witness.getInputStream().transferTo(OutputStream.nullOutputStream());
            }
            Pattern id = Pattern.compile("id: f\\d+:(\\d+)");
            int expected = 1;
            for (String line; (line = in.readLine()) != null; ) {
                Matcher m = id.matcher(line);
                if (m.matches()) {
                    assertEquals(expected, Integer.parseInt(m.group(1)), "ids out of order or repeated");
                    expected++;
                }
            }
            assertEquals(tokens + 3, expected, "start, every chunk and end, then the end of the response");
        } finally {
            floor.close();
        }
    }
}
