package io.chatstream.backend.upstream;

import java.nio.ByteBuffer;

/**
 * An incremental, tolerant reader of an upstream {@code text/event-stream}, after the WHATWG parsing rules. Feed it
 * the body's bytes split anywhere; it reports each event and comment to a {@link Handler}. It knows nothing of HTTP
 * nor of what the data means.
 *
 * <p>What it accepts, as providers send it:
 * <pre>
 * : OPENROUTER PROCESSING
 *
 * data: {"choices":[{"delta":{"content":"Hi"}}]}
 *
 * data:{"choices":[]}\r\n\r\n
 * data: [DONE]
 * </pre>
 * Lines end in LF, CR or CRLF; {@code data:} takes one optional space; a line starting with {@code :} is a comment;
 * several {@code data} lines of one event are joined with LF; {@code event:} names the event; {@code id} and
 * {@code retry} and unknown fields are ignored; a blank line dispatches. When the body ends, an event whose last
 * line was received is still dispatched (some servers omit the final blank line). Lines and events are bounded
 * (see {@link LineSplitter}); beyond the bound an {@link UpstreamException} is thrown.
 */
public final class SseReader {

    /** Receives what the stream carries. */
    public interface Handler {
        /**
         * One event.
         *
         * @param type the {@code event:} field, or null when there was none
         * @param data the data lines joined with LF
         */
        void onEvent(String type, String data);

        /** A comment line, without its {@code :}; providers send them as keep-alives. */
        default void onComment(String comment) {
        }
    }

    private final Handler handler;
    private final LineSplitter lines;
    private final int maxEventChars;
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String type;

    public SseReader(Handler handler) {
        this(LineSplitter.DEFAULT_MAX_LINE_BYTES, handler);
    }

    /** @param maxLineBytes the bound of one line, and of one event's data */
    public SseReader(int maxLineBytes, Handler handler) {
        this.handler = handler;
        this.maxEventChars = maxLineBytes;
        this.lines = new LineSplitter(maxLineBytes, this::line);
    }

    /** Consumes all of {@code bytes}, reporting every event they complete. */
    public void feed(ByteBuffer bytes) {
        lines.feed(bytes);
    }

    /** The body ended: a pending line and event are reported. */
    public void finish() {
        lines.finish();
        dispatch();
    }

    private void line(String line) {
        if (line.isEmpty()) {
            dispatch();
            return;
        }
        if (line.charAt(0) == ':') {
            handler.onComment(line.substring(1));
            return;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        int valueStart = colon < 0 ? line.length() : colon + 1;
        if (valueStart < line.length() && line.charAt(valueStart) == ' ') {
            valueStart++;
        }
        String value = line.substring(valueStart);
        switch (field) {
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                if (data.length() + value.length() > maxEventChars) {
                    throw UpstreamException.malformed("an event was longer than " + maxEventChars + " characters");
                }
                data.append(value);
                hasData = true;
            }
            case "event" -> type = value.isEmpty() ? null : value;
            default -> {
                // id, retry and unknown fields mean nothing for an upstream reply
            }
        }
    }

    private void dispatch() {
        if (!hasData) {
            type = null;
            return;
        }
        String eventType = type;
        String eventData = data.toString();
        data.setLength(0);
        if (data.capacity() > 64 * 1024) {
            data.trimToSize();
        }
        hasData = false;
        type = null;
        handler.onEvent(eventType, eventData);
    }
}
