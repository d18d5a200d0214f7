package io.chatstream.wire;

/**
 * Builds {@code text/event-stream} frames, byte for byte. Pure: no I/O.
 *
 * <pre>
 * retry: 3000\n\n                                   the first frame of every response
 * id: 4fJ0...Qw:7\ndata: {"type":"chunk",...}\n\n   one event: id, then one data line, then a blank line
 * : keep-alive\n\n                                  a comment: sent when the stream was idle
 * </pre>
 *
 * <p>Event ids are {@code <streamId>:<seq>}. The JSON comes from {@link EventJson}, which never holds CR or LF;
 * {@link #event} checks that again, so a payload can never add a line, field or frame.
 */
public final class SseFrames {

    /** {@code : keep-alive\n\n} */
    public static final byte[] KEEP_ALIVE = ascii(": keep-alive\n\n");

    private static final byte[] ID = ascii("id: ");
    private static final byte[] DATA = ascii("\ndata: ");
    private static final byte[] RETRY = ascii("retry: ");

    private SseFrames() {
    }

    /** Appends {@code id: <streamId>:<seq>\ndata: <json>\n\n}. */
    public static void event(ByteSink out, byte[] streamId, int seq, byte[] json) {
        event(out, streamId, seq, json, 0, json.length);
    }

    /** Appends {@code id: <streamId>:<seq>\ndata: <json>\n\n}, the JSON being {@code json[offset, offset+length)}. */
    public static void event(ByteSink out, byte[] streamId, int seq, byte[] json, int offset, int length) {
        checkOneLine(json, offset, length);
        out.write(ID).write(streamId).write(':').decimal(seq).write(DATA).write(json, offset, length)
                .write('\n').write('\n');
    }

    static void checkOneLine(byte[] json, int offset, int length) {
        for (int i = offset, end = offset + length; i < end; i++) {
            byte b = json[i];
            if (b == '\n' || b == '\r') {
                throw new IllegalArgumentException("event JSON must be on one line");
            }
        }
    }

    /** Appends {@code retry: <millis>\n\n}. */
    public static void retry(ByteSink out, long millis) {
        out.write(RETRY).decimal(millis).write('\n').write('\n');
    }

    /** Appends {@code : keep-alive\n\n}. */
    public static void keepAlive(ByteSink out) {
        out.write(KEEP_ALIVE);
    }

    static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
