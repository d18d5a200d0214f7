package io.chatstream.backend.upstream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@link SseReader}'s rules on bytes: an incremental reader of an upstream {@code text/event-stream} that hands each
 * event's data on as UTF-8 bytes, for decoders that parse bytes ({@link StreamJson}) and should not pay for a
 * {@code String} per line and per event.
 *
 * <p>The same wire rules as {@link SseReader}: lines end in LF, CR or CRLF; {@code data:} takes one optional space;
 * several {@code data} lines of one event are joined with LF; {@code event:} names the event; a line starting with
 * {@code :} is a comment (keep-alives) and is skipped; {@code id}, {@code retry} and unknown fields are ignored; a
 * blank line dispatches; at the end of the body an event whose last line was received is still dispatched. A byte
 * order mark at the very start is dropped, even when it arrives a byte at a time. Lines and events are bounded, and
 * so is every buffer: beyond the bound an {@link UpstreamException} is thrown, so a body without line ends cannot
 * take unbounded memory. Lines must be valid UTF-8 ({@link ByteLineSplitter}).
 *
 * <p>Cost: a line that arrived whole in one buffer is read where it lies; only the data of an event is copied, into
 * a buffer reused from event to event. Dialects that repeat the event's type inside its JSON (Anthropic, Gemini)
 * simply ignore {@code type}.
 *
 * <p>Event names repeat all through a body ({@code response.output_text.delta} per token), so the last few are kept
 * and handed on again rather than decoded anew.
 *
 * <p>Not thread-safe: one body, one thread at a time.
 */
public final class SseByteReader {

    /** Receives each event. */
    @FunctionalInterface
    public interface Handler {
        /**
         * One event.
         *
         * @param type   the {@code event:} field, or null when there was none
         * @param data   the data lines joined with LF, in {@code data[0..length)}; valid only during the call
         */
        void onEvent(String type, byte[] data, int length);
    }

    private static final int SHRINK_ABOVE = 64 * 1024;
    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event".getBytes(StandardCharsets.US_ASCII);

    private final Handler handler;
    private final ByteLineSplitter lines;
    private final int maxEventBytes;
    private final String[] types = new String[4];
    private int nextType;
    private byte[] data = new byte[256];
    private int length;
    private boolean hasData;
    private String type;

    /** @param maxLineBytes the bound of one line, and of one event's data */
    public SseByteReader(int maxLineBytes, Handler handler) {
        this.handler = handler;
        this.maxEventBytes = maxLineBytes;
        this.lines = new ByteLineSplitter(maxLineBytes, this::line);
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

    private void line(byte[] bytes, int offset, int n) {
        if (n == 0) {
            dispatch();
            return;
        }
        if (bytes[offset] == ':') {
            return; // a comment: providers send them as keep-alives
        }
        int end = offset + n;
        int colon = offset;
        while (colon < end && bytes[colon] != ':') {
            colon++;
        }
        int valueStart = colon < end ? colon + 1 : end;
        if (valueStart < end && bytes[valueStart] == ' ') {
            valueStart++;
        }
        int fieldLength = colon - offset;
        if (is(DATA, bytes, offset, fieldLength)) {
            appendData(bytes, valueStart, end - valueStart);
        } else if (is(EVENT, bytes, offset, fieldLength)) {
            type = valueStart == end ? null : type(bytes, valueStart, end - valueStart);
        }
        // id, retry and unknown fields mean nothing for an upstream reply
    }

    private void appendData(byte[] bytes, int from, int n) {
        int separator = hasData ? 1 : 0;
        if ((long) length + separator + n > maxEventBytes) {
            throw UpstreamException.malformed("an event was longer than " + maxEventBytes + " bytes");
        }
        int needed = length + separator + n;
        if (needed > data.length) {
            data = Arrays.copyOf(data, Math.min(maxEventBytes, Math.max(needed, 2 * data.length)));
        }
        if (hasData) {
            data[length++] = '\n';
        }
        System.arraycopy(bytes, from, data, length, n);
        length += n;
        hasData = true;
    }

    private void dispatch() {
        if (!hasData) {
            type = null;
            return;
        }
        String eventType = type;
        int n = length;
        byte[] eventData = data;
        hasData = false;
        type = null;
        length = 0;
        if (data.length > SHRINK_ABOVE) {
            data = new byte[256]; // one long event must not pin its buffer for the rest of the body
        }
        handler.onEvent(eventType, eventData, n);
    }

    /** The event name in {@code bytes}, one of the last few when it repeats. */
    private String type(byte[] bytes, int offset, int n) {
        for (String known : types) {
            if (known != null && sameAscii(known, bytes, offset, n)) {
                return known;
            }
        }
        String decoded = new String(bytes, offset, n, StandardCharsets.UTF_8);
        types[nextType] = decoded;
        nextType = (nextType + 1) % types.length;
        return decoded;
    }

    private static boolean sameAscii(String s, byte[] bytes, int offset, int n) {
        if (s.length() != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            int b = bytes[offset + i];
            if (b < 0 || s.charAt(i) != b) {
                return false;
            }
        }
        return true;
    }

    private static boolean is(byte[] name, byte[] bytes, int offset, int n) {
        return n == name.length && Arrays.equals(name, 0, n, bytes, offset, offset + n);
    }
}
