package io.chatstream.bench;

import io.chatstream.bench.Stats.Outcome;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One stream over one HTTP/1.1 connection: the request, then an incremental parser for the response (status line,
 * headers, a chunked, sized or close-delimited body) and, inside the body, for the event stream. Bytes may be split
 * anywhere between reads. It checks what a client relies on: status 200, {@code retry:} first, ids
 * {@code <X-Stream-Id>:<seq>} with seq 1, 2, 3..., {@code start} first, one terminal event last, then the end of the
 * response; and it times what a user feels: first byte, first token, the gap between events, keep-alive lateness.
 *
 * <p>Event types are read from the fixed start of the server's compact JSON, {@code {"type":"...",}; the client
 * decodes nothing else, so it stays cheap next to the server it measures.
 *
 * <p>With a drop point ({@code dropAfter} events) the stream is read over two connections: the parser stops at that
 * event ({@link #dropDue()}), the caller closes the connection and {@linkplain #resume resumes} on a new one with
 * {@code Last-Event-ID}; the seq, chunk and terminal checks run across both, so every event must arrive exactly once
 * and in order. The gap from the last event before the drop to the first after it is recorded apart
 * ({@link Stats#resumeGap}), not as an event gap.
 */
final class StreamConnection {

    enum Type { START, REASONING, CHUNK, TOOL_CALL, TOOL_RESULT, END, ERROR, UNKNOWN }

    private enum Http { STATUS, HEADERS, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, SIZED_BODY, BODY_TO_EOF, DONE }

    private static final int MAX_HTTP_LINE = 16 * 1024;
    /** SSE lines are kept up to this many bytes: enough for an id and the start of a data line. */
    private static final int SSE_PREFIX = 96;
    private static final byte[] DATA_TYPE = "data: {\"type\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = ": keep-alive".getBytes(StandardCharsets.US_ASCII);

    final int index;
    SocketChannel channel;
    ByteBuffer request;
    final long connectNanos;
    SelectionKey key;
    /** The TCP connection is established (the request may still be on its way). */
    boolean connected;

    private final Stats stats;
    private final long runStartNanos;
    private final int expectedChunks;
    private final long keepAliveNanos;
    /** Drop the connection after this event (0: never); once only. */
    private final int dropAfter;
    /** This connection is the one after the drop: set from the resume until its first event. */
    private boolean resuming;
    private int resumes;
    /** {@link #lastSeq} when this connection's response began: 0, or the drop point after a resume. */
    private int seqAtConnect;

    private Http http = Http.STATUS;
    private byte[] line = new byte[256];
    private int lineLen;
    private int status;
    private boolean chunked;
    private long contentLength = -1;
    private long remaining;
    private byte[] streamId;

    private final byte[] sse = new byte[SSE_PREFIX];
    private int sseLen;
    private boolean sseCr;
    private boolean retrySeen;
    private long pendingSeq = -1;
    private Type pendingType;
    private int lastSeq;
    private Type terminal;
    private int chunks;
    private long firstByteNanos = -1;
    private long firstTokenNanos = -1;
    private long lastEventNanos = -1;
    private long lastFrameNanos = -1;
    private boolean recordKeepAlives = true;
    private String failure;
    private boolean finished;

    StreamConnection(int index, SocketChannel channel, ByteBuffer request, long connectNanos, Stats stats,
                     long runStartNanos, int expectedChunks, long keepAliveNanos, int dropAfter) {
        this.index = index;
        this.channel = channel;
        this.request = request;
        this.connectNanos = connectNanos;
        this.stats = stats;
        this.runStartNanos = runStartNanos;
        this.expectedChunks = expectedChunks;
        this.keepAliveNanos = keepAliveNanos;
        this.dropAfter = dropAfter;
    }

    /** The parser stopped at the drop point: the caller closes this connection and {@linkplain #resume resumes}. */
    boolean dropDue() {
        return dropAfter > 0 && resumes == 0 && lastSeq == dropAfter && terminal == null && failure == null;
    }

    /** The stream's id, as the first response's {@code X-Stream-Id} gave it (null before its headers). */
    String streamId() {
        return streamId == null ? null : new String(streamId, StandardCharsets.US_ASCII);
    }

    int lastSeq() {
        return lastSeq;
    }

    /**
     * Goes on over a new connection whose request asks for the events after {@link #lastSeq()}: the HTTP and
     * event-stream parsers start again (a new status line, headers, {@code retry:}), what was checked so far stays.
     */
    void resume(SocketChannel newChannel, ByteBuffer newRequest) {
        resumes++;
        stats.resumes++;
        resuming = true;
        seqAtConnect = lastSeq;
        channel = newChannel;
        request = newRequest;
        key = null;
        connected = false;
        http = Http.STATUS;
        line = new byte[256];
        lineLen = 0;
        status = 0;
        chunked = false;
        contentLength = -1;
        remaining = 0;
        sseLen = 0;
        sseCr = false;
        retrySeen = false;
        pendingSeq = -1;
        pendingType = null;
    }

    boolean isFinished() {
        return finished;
    }

    /** Stops timing keep-alives: the hold period is over and the client is about to close. */
    void stopKeepAliveTiming() {
        recordKeepAlives = false;
    }

    /** Parses what was read; {@code buf} is a heap buffer in read mode. Returns true once the response is over. */
    boolean feed(ByteBuffer buf, long now) {
        if (firstByteNanos < 0) {
            firstByteNanos = now;
            stats.ttfb.recordValue(Math.max(0, (now - connectNanos) / 1000));
        }
        stats.bytes += buf.remaining();
        byte[] a = buf.array();
        int p = buf.arrayOffset() + buf.position();
        int end = buf.arrayOffset() + buf.limit();
        while (p < end && failure == null && http != Http.DONE && !dropDue()) {
            switch (http) {
                case CHUNK_DATA, SIZED_BODY -> {
                    int n = (int) Math.min(remaining, end - p);
                    sse(a, p, n, now);
                    p += n;
                    remaining -= n;
                    if (remaining == 0) {
                        http = http == Http.CHUNK_DATA ? Http.CHUNK_END : Http.DONE;
                    }
                }
                case BODY_TO_EOF -> {
                    sse(a, p, end - p, now);
                    p = end;
                }
                default -> {
                    byte b = a[p++];
                    if (b == '\n') {
                        int len = lineLen > 0 && line[lineLen - 1] == '\r' ? lineLen - 1 : lineLen;
                        lineLen = 0;
                        httpLine(len);
                    } else if (lineLen == line.length) {
                        if (line.length >= MAX_HTTP_LINE) {
                            fail("an HTTP line longer than " + MAX_HTTP_LINE + " bytes");
                        } else {
                            line = java.util.Arrays.copyOf(line, line.length * 2);
                            line[lineLen++] = b;
                        }
                    } else {
                        line[lineLen++] = b;
                    }
                }
            }
        }
        return failure != null || http == Http.DONE;
    }

    private void httpLine(int len) {
        String s = new String(line, 0, len, StandardCharsets.ISO_8859_1);
        switch (http) {
            case STATUS -> {
                if (!s.startsWith("HTTP/1.1 ") || s.length() < 12) {
                    fail("status line '" + s + "'");
                    return;
                }
                status = Integer.parseInt(s.substring(9, 12));
                http = Http.HEADERS;
            }
            case HEADERS -> {
                if (len == 0) {
                    endOfHeaders();
                    return;
                }
                int colon = s.indexOf(':');
                if (colon <= 0) {
                    fail("header line '" + s + "'");
                    return;
                }
                String name = s.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
                String value = s.substring(colon + 1).trim();
                switch (name) {
                    case "transfer-encoding" -> chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
                    case "content-length" -> contentLength = Long.parseLong(value);
                    case "x-stream-id" -> {
                        byte[] id = value.getBytes(StandardCharsets.US_ASCII);
                        if (streamId != null && !Arrays.equals(streamId, id)) {
                            fail("the resumed response is of another stream");
                        }
                        streamId = id;
                    }
                    default -> {
                    }
                }
            }
            case CHUNK_SIZE -> {
                int semi = s.indexOf(';');
                String hex = (semi < 0 ? s : s.substring(0, semi)).trim();
                long size;
                try {
                    size = Long.parseLong(hex, 16);
                } catch (NumberFormatException e) {
                    fail("chunk size '" + s + "'");
                    return;
                }
                if (size == 0) {
                    http = Http.TRAILERS;
                } else {
                    remaining = size;
                    http = Http.CHUNK_DATA;
                }
            }
            case CHUNK_END -> {
                if (len != 0) {
                    fail("no CRLF after a chunk");
                    return;
                }
                http = Http.CHUNK_SIZE;
            }
            case TRAILERS -> {
                if (len == 0) {
                    http = Http.DONE;
                }
            }
            default -> throw new IllegalStateException(http.name());
        }
    }

    private void endOfHeaders() {
        stats.statuses.merge(status, 1, Integer::sum);
        if (status != 200) {
            fail("status " + status + (resumes > 0 ? " on the resume after event " + lastSeq : ""));
            return;
        }
        if (streamId == null) {
            fail("no X-Stream-Id header");
            return;
        }
        line = new byte[64]; // header lines are over; chunk-size lines are short
        if (chunked) {
            http = Http.CHUNK_SIZE;
        } else if (contentLength >= 0) {
            remaining = contentLength;
            http = contentLength == 0 ? Http.DONE : Http.SIZED_BODY;
        } else {
            http = Http.BODY_TO_EOF;
        }
    }

    /** Event-stream bytes: lines end with LF, CRLF or CR; a blank line ends a frame. */
    private void sse(byte[] a, int off, int len, long now) {
        int end = off + len;
        for (int p = off; p < end && failure == null && !dropDue(); p++) {
            byte b = a[p];
            if (b == '\n' && sseCr) {
                sseCr = false; // the LF of a CRLF
                continue;
            }
            sseCr = b == '\r';
            if (b == '\n' || b == '\r') {
                sseLine(now);
                sseLen = 0;
            } else if (sseLen < SSE_PREFIX) {
                sse[sseLen++] = b;
            } else if (sseLen == SSE_PREFIX && !startsWith(sse, DATA_TYPE)) {
                if (sse[0] != ':') {
                    fail("an event-stream line longer than expected");
                }
            }
        }
    }

    private void sseLine(long now) {
        int len = sseLen;
        if (len == 0) {
            dispatch(now);
            return;
        }
        if (sse[0] == ':') {
            if (len == KEEP_ALIVE.length && startsWith(sse, KEEP_ALIVE)) {
                keepAlive(now);
            }
            return;
        }
        if (startsWith(sse, DATA_TYPE)) {
            if (pendingType != null) {
                fail("two data lines in one event");
                return;
            }
            pendingType = type(DATA_TYPE.length, len);
        } else if (len > 4 && sse[0] == 'i' && sse[1] == 'd' && sse[2] == ':' && sse[3] == ' ') {
            pendingSeq = seq(4, len);
        } else if (len > 7 && new String(sse, 0, 7, StandardCharsets.US_ASCII).equals("retry: ")) {
            if (!retrySeen) {
                retrySeen = true;
                lastFrameNanos = now;
            } else if (lastSeq == seqAtConnect) {
                fail("a second retry before any event");
            }
            // a later retry: the server is shutting down; nothing to check
        } else {
            fail("unexpected line '" + new String(sse, 0, len, StandardCharsets.UTF_8) + "'");
        }
    }

    private long seq(int from, int len) {
        if (streamId == null || len < from + streamId.length + 2) {
            fail("short id line");
            return -1;
        }
        for (int i = 0; i < streamId.length; i++) {
            if (sse[from + i] != streamId[i]) {
                fail("an id of another stream");
                return -1;
            }
        }
        int p = from + streamId.length;
        if (sse[p++] != ':') {
            fail("id without ':seq'");
            return -1;
        }
        long v = 0;
        for (; p < len; p++) {
            int d = sse[p] - '0';
            if (d < 0 || d > 9) {
                fail("id with a bad seq");
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    private static final Type[] TYPES = Type.values();
    private static final byte[][] TYPE_NAMES = {
        "start".getBytes(StandardCharsets.US_ASCII), "reasoning".getBytes(StandardCharsets.US_ASCII),
        "chunk".getBytes(StandardCharsets.US_ASCII), "tool_call".getBytes(StandardCharsets.US_ASCII),
        "tool_result".getBytes(StandardCharsets.US_ASCII), "end".getBytes(StandardCharsets.US_ASCII),
        "error".getBytes(StandardCharsets.US_ASCII),
    };

    /** The event's type from {@code "type":"...} without making a string (once per event). */
    private Type type(int from, int len) {
        int end = from;
        while (end < len && sse[end] != '"') {
            end++;
        }
        for (int t = 0; t < TYPE_NAMES.length; t++) {
            if (Arrays.equals(sse, from, end, TYPE_NAMES[t], 0, TYPE_NAMES[t].length)) {
                return TYPES[t];
            }
        }
        return Type.UNKNOWN;
    }

    private void dispatch(long now) {
        Type type = pendingType;
        long seq = pendingSeq;
        pendingType = null;
        pendingSeq = -1;
        if (type == null) {
            if (seq >= 0) {
                fail("an id without data");
            }
            return;
        }
        if (!retrySeen) {
            fail("an event before the first retry frame");
            return;
        }
        if (seq != lastSeq + 1) {
            fail("seq " + seq + " after " + lastSeq);
            return;
        }
        if (terminal != null) {
            fail("an event after the terminal one");
            return;
        }
        if ((seq == 1) != (type == Type.START)) {
            fail("start is not the first event");
            return;
        }
        lastSeq = (int) seq;
        stats.event(now, runStartNanos);
        if (resuming) {
            resuming = false;
            stats.resumeGap.recordValue((now - lastEventNanos) / 1000);
        } else if (lastEventNanos >= 0) {
            stats.gap(now, runStartNanos, now - lastEventNanos);
        }
        lastEventNanos = now;
        lastFrameNanos = now;
        switch (type) {
            case REASONING, CHUNK, TOOL_CALL -> {
                if (firstTokenNanos < 0) {
                    firstTokenNanos = now;
                    stats.ttft.recordValue((now - connectNanos) / 1000);
                }
                if (type == Type.CHUNK) {
                    chunks++;
                }
            }
            case END, ERROR -> terminal = type;
            default -> {
            }
        }
    }

    private void keepAlive(long now) {
        stats.keepAlives++;
        if (recordKeepAlives && lastFrameNanos >= 0 && keepAliveNanos > 0) {
            long late = now - lastFrameNanos - keepAliveNanos;
            if (late < -1_000_000) {
                stats.earlyKeepAlives++;
            }
            stats.keepAliveLateness.recordValue(Math.max(0, late) / 1000);
        }
        lastFrameNanos = now;
    }

    private static boolean startsWith(byte[] a, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (a[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private void fail(String why) {
        if (failure == null) {
            failure = why;
        }
    }

    /** Records how the stream went; {@code eof}: the server closed the connection; {@code held}: the hold is over. */
    Outcome finish(boolean eof, boolean held, String ioError) {
        if (finished) {
            throw new IllegalStateException("finished twice");
        }
        finished = true;
        Outcome o;
        String detail;
        if (failure != null) {
            o = status != 0 && status != 200 ? Outcome.STATUS : Outcome.PROTOCOL;
            detail = "stream " + index + ": " + failure;
        } else if (http == Http.BODY_TO_EOF && eof) {
            http = Http.DONE;
            return finish2();
        } else if (http == Http.DONE) {
            return finish2();
        } else if (held && ioError == null && lastSeq > 0) {
            o = Outcome.HELD;
            detail = "";
        } else if (ioError != null || eof) {
            o = Outcome.INCOMPLETE;
            detail = "stream " + index + " after event " + lastSeq + (ioError != null ? ": " + ioError : ": EOF");
        } else {
            o = Outcome.TIMEOUT;
            detail = "stream " + index + " after event " + lastSeq;
        }
        stats.outcome(o, detail);
        return o;
    }

    private Outcome finish2() {
        Outcome o;
        String detail = "stream " + index;
        if (terminal == null) {
            o = Outcome.INCOMPLETE;
            detail += ": the response ended after event " + lastSeq + " without a terminal event";
        } else if (terminal == Type.ERROR) {
            o = Outcome.ERROR_EVENT;
        } else if (expectedChunks > 0 && chunks != expectedChunks) {
            o = Outcome.TOKENS;
            detail += ": " + chunks + " chunks, expected " + expectedChunks;
        } else {
            o = Outcome.OK;
        }
        stats.outcome(o, detail);
        return o;
    }
}
