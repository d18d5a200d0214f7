package io.chatstream.backend.upstream;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An incremental reader of an upstream {@code text/event-stream} that hands on each event's data as raw bytes,
 * never as a {@code String}: the reader for dialects whose every event is one JSON object, parsed straight from the
 * bytes (see {@link JsonPull}), so a token costs no line or event string on the way. Feed it the body split
 * anywhere; it knows nothing of HTTP nor of what the data means.
 *
 * <p>Framing as {@link SseReader}, after the WHATWG rules: lines end in LF, CR or CRLF; {@code data:} takes one
 * optional space; several {@code data} lines of one event are joined with LF; a blank line dispatches; a line
 * starting with {@code :} is a comment (keep-alive) and is skipped; {@code event}, {@code id}, {@code retry} and
 * unknown fields are skipped too, since the dialects read with it repeat the event's type inside its JSON
 * (Anthropic's {@code event: content_block_delta} comes with {@code "type":"content_block_delta"}). When the body
 * ends, an event whose last line was received is still dispatched. A byte order mark at the very start is dropped.
 *
 * <p>Bytes are not decoded here: CR and LF never occur inside a UTF-8 sequence, so cutting on them is safe, and the
 * JSON parser checks the UTF-8 of what it reads. A line or an event longer than the bound is an
 * {@link UpstreamException}, so a body without line ends cannot take unbounded memory.
 *
 * <p>Not thread-safe: one body, one thread at a time. The buffers are reused from event to event.
 */
public final class SseDataReader {

    /** Receives the data of each event. */
    @FunctionalInterface
    public interface Handler {
        /**
         * One event's data: {@code length} bytes at the start of {@code data}, valid only during this call (the
         * array is reused for the next event).
         */
        void onData(byte[] data, int length);
    }

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final int DATA = "data".length();
    private static final byte[] BYTE_ORDER_MARK = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    /** Buffers above this size are dropped after use, so one long event does not pin its memory. */
    private static final int KEPT_BYTES = 64 * 1024;

    private final Handler handler;
    private final int maxBytes;
    private byte[] line = new byte[512];
    private int lineLength;
    private byte[] data = new byte[512];
    private int dataLength;
    private boolean hasData;
    private boolean afterCr;
    private int bomBytes;
    private boolean started;

    /** @param maxBytes the bound of one line, and of one event's data */
    public SseDataReader(int maxBytes, Handler handler) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be at least 1");
        }
        this.maxBytes = maxBytes;
        this.handler = handler;
    }

    /** Consumes all of {@code bytes}, dispatching every event they complete. */
    public void feed(ByteBuffer bytes) {
        if (bytes.hasArray()) {
            byte[] array = bytes.array();
            int from = bytes.arrayOffset() + bytes.position();
            int to = bytes.arrayOffset() + bytes.limit();
            bytes.position(bytes.limit());
            feed(array, from, to);
        } else {
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            feed(copy, 0, copy.length);
        }
    }

    private void feed(byte[] in, int from, int to) {
        int i = from;
        while (i < to) {
            if (!started) {
                i = skipByteOrderMark(in, i, to);
                continue;
            }
            if (afterCr) {
                afterCr = false;
                if (in[i] == LF) {
                    i++;
                    continue;
                }
            }
            int end = i;
            while (end < to && in[end] != LF && in[end] != CR) {
                end++;
            }
            append(in, i, end - i);
            if (end == to) {
                return;
            }
            afterCr = in[end] == CR;
            line();
            i = end + 1;
        }
    }

    /** Consumes what may be the start of a UTF-8 byte order mark; returns where the body proper goes on. */
    private int skipByteOrderMark(byte[] in, int i, int to) {
        byte[] bom = BYTE_ORDER_MARK;
        while (i < to && bomBytes < bom.length && in[i] == bom[bomBytes]) {
            bomBytes++;
            i++;
        }
        if (bomBytes == bom.length) {
            started = true;
        } else if (i < to) {
            started = true;
            append(bom, 0, bomBytes); // a partial mark was not one: its bytes belong to the body
        }
        return i;
    }

    /** The body ended: a pending line and event are dispatched. */
    public void finish() {
        if (lineLength > 0) {
            line();
        }
        dispatch();
    }

    private void append(byte[] in, int from, int n) {
        if (n == 0) {
            return;
        }
        if (lineLength + n > maxBytes) {
            throw UpstreamException.malformed("a line was longer than " + maxBytes + " bytes");
        }
        if (lineLength + n > line.length) {
            line = Arrays.copyOf(line, Math.min(maxBytes, Math.max(lineLength + n, 2 * line.length)));
        }
        System.arraycopy(in, from, line, lineLength, n);
        lineLength += n;
    }

    private void line() {
        int n = lineLength;
        lineLength = 0;
        if (n == 0) {
            dispatch();
            return;
        }
        if (line[0] == ':') {
            shrinkLine();
            return;
        }
        if (n >= DATA && line[0] == 'd' && line[1] == 'a' && line[2] == 't' && line[3] == 'a'
                && (n == DATA || line[4] == ':')) {
            int value = Math.min(n, DATA + 1);
            if (value < n && line[value] == ' ') {
                value++;
            }
            appendData(value, n - value);
        }
        shrinkLine();
    }

    private void shrinkLine() {
        if (line.length > KEPT_BYTES) {
            line = new byte[512];
        }
    }

    private void appendData(int from, int n) {
        int extra = hasData ? 1 : 0;
        if (dataLength + extra + n > maxBytes) {
            throw UpstreamException.malformed("an event was longer than " + maxBytes + " bytes");
        }
        if (dataLength + extra + n > data.length) {
            data = Arrays.copyOf(data, Math.min(maxBytes, Math.max(dataLength + extra + n, 2 * data.length)));
        }
        if (hasData) {
            data[dataLength++] = LF;
        }
        System.arraycopy(line, from, data, dataLength, n);
        dataLength += n;
        hasData = true;
    }

    private void dispatch() {
        if (!hasData) {
            return;
        }
        int n = dataLength;
        hasData = false;
        dataLength = 0;
        byte[] event = data;
        if (data.length > KEPT_BYTES) {
            data = new byte[512];
        }
        handler.onData(event, n);
    }
}
