package io.chatstream.wire;

/**
 * Builds {@code application/x-ndjson} lines: each event's JSON (from {@link EventJson}) then {@code \n}; when idle,
 * {@code {"type":"ping"}\n}. Pure: no I/O. NDJSON has no ids: an event's seq is its 1-based line number, pings not
 * counted.
 */
public final class NdjsonFrames {

    /** {@code {"type":"ping"}\n} */
    public static final byte[] PING = SseFrames.ascii("{\"type\":\"ping\"}\n");

    private NdjsonFrames() {
    }

    /** Appends {@code <json>\n}. */
    public static void event(ByteSink out, byte[] json) {
        event(out, json, 0, json.length);
    }

    /** Appends {@code <json>\n}, the JSON being {@code json[offset, offset+length)}. */
    public static void event(ByteSink out, byte[] json, int offset, int length) {
        SseFrames.checkOneLine(json, offset, length);
        out.write(json, offset, length).write('\n');
    }

    /** Appends the ping line. */
    public static void ping(ByteSink out) {
        out.write(PING);
    }
}
