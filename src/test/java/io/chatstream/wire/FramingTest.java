package io.chatstream.wire;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Each framing's whole response, byte for byte: preamble, an event cut from a larger array, keep-alive, shutdown. */
class FramingTest {

    private static final byte[] ID = "s1".getBytes(StandardCharsets.US_ASCII);
    /** The event is the middle of this array, as it is in the log's segments. */
    private static final byte[] SEGMENT = "xx{\"type\":\"chunk\",\"content\":\"é\"}yy".getBytes(StandardCharsets.UTF_8);
    private static final int OFFSET = 2;
    private static final int LENGTH = SEGMENT.length - 4;

    private static String response(Framing framing) {
        ByteSink out = new ByteSink(16);
        framing.preamble(out, 3000);
        framing.event(out, ID, 7, SEGMENT, OFFSET, LENGTH);
        framing.keepAlive(out);
        framing.shutdown(out, 5000);
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    @Test
    void sseExactBytes() {
        assertEquals("retry: 3000\n\nid: s1:7\ndata: {\"type\":\"chunk\",\"content\":\"é\"}\n\n: keep-alive\n\n"
                + "retry: 5000\n\n", response(Framing.SSE));
        assertEquals("text/event-stream;charset=UTF-8", Framing.SSE.contentType());
    }

    @Test
    void ndjsonExactBytes() {
        assertEquals("{\"type\":\"chunk\",\"content\":\"é\"}\n{\"type\":\"ping\"}\n", response(Framing.NDJSON));
        assertEquals("application/x-ndjson", Framing.NDJSON.contentType());
    }

    @Test
    void bothRefuseAnEventWithALineBreak() {
        byte[] json = "{\"a\":\n1}".getBytes(StandardCharsets.US_ASCII);
        for (Framing framing : new Framing[] {Framing.SSE, Framing.NDJSON}) {
            assertThrows(IllegalArgumentException.class,
                    () -> framing.event(new ByteSink(16), ID, 1, json, 0, json.length), framing.toString());
        }
    }
}
