package io.chatstream.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A strict, incremental parser of {@code text/event-stream} for tests, after the WHATWG rules (lines end in CRLF,
 * LF or CR; {@code :} starts a comment; a blank line dispatches), that also fails on anything this server must
 * never send: invalid UTF-8, a field other than {@code id}, {@code data} and {@code retry}, more than one data line
 * in an event, an event without an id. Feed it bytes split anywhere.
 */
public final class SseParser {

    /** One dispatched event, or a comment, or a retry frame. */
    public record Frame(String id, String data, Long retry, String comment) {
        public boolean isEvent() {
            return data != null;
        }
    }

    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final List<Frame> frames = new ArrayList<>();
    private boolean lastWasCr;
    private String id;
    private String data;
    private Long retry;
    private int dataLines;

    /** Feeds bytes; returns the frames completed by them. */
    public List<Frame> feed(byte[] bytes, int off, int len) {
        int start = frames.size();
        for (int i = off; i < off + len; i++) {
            byte b = bytes[i];
            if (b == '\n' && lastWasCr) {
                lastWasCr = false;
                continue;
            }
            lastWasCr = b == '\r';
            if (b == '\n' || b == '\r') {
                processLine(decode(line.toByteArray()));
                line.reset();
            } else {
                line.write(b);
            }
        }
        return List.copyOf(frames.subList(start, frames.size()));
    }

    public List<Frame> feed(byte[] bytes) {
        return feed(bytes, 0, bytes.length);
    }

    /** Everything parsed so far. */
    public List<Frame> frames() {
        return List.copyOf(frames);
    }

    /** True when no partial line or event is pending: the stream ended on a frame boundary. */
    public boolean isAtBoundary() {
        return line.size() == 0 && data == null && id == null && retry == null;
    }

    private static String decode(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("invalid UTF-8 on the wire", e);
        }
    }

    private void processLine(String l) {
        if (l.isEmpty()) {
            if (data != null) {
                if (id == null) {
                    throw new AssertionError("event without id: " + data);
                }
                frames.add(new Frame(id, data, retry, null));
            } else if (retry != null) {
                frames.add(new Frame(null, null, retry, null));
            } else if (id != null) {
                throw new AssertionError("id without data");
            }
            id = null;
            data = null;
            retry = null;
            dataLines = 0;
            return;
        }
        if (l.startsWith(":")) {
            frames.add(new Frame(null, null, null, l.substring(1).trim()));
            return;
        }
        int colon = l.indexOf(':');
        String field = colon < 0 ? l : l.substring(0, colon);
        String value = colon < 0 ? "" : l.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "id" -> id = value;
            case "data" -> {
                if (++dataLines > 1) {
                    throw new AssertionError("more than one data line in an event: " + l);
                }
                data = value;
            }
            case "retry" -> retry = Long.parseLong(value);
            default -> throw new AssertionError("unexpected field on the wire: " + l);
        }
    }
}
