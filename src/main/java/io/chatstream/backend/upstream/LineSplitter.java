package io.chatstream.backend.upstream;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits a UTF-8 byte stream into lines, for bytes cut anywhere: inside a line, inside a multi-byte character,
 * between a CR and its LF. A line ends at LF, CR or CRLF (the event-stream rule; NDJSON's LF and CRLF are covered
 * too); the terminator is not part of the line.
 *
 * <p>Lines are cut on bytes, then decoded: CR and LF never occur inside a UTF-8 sequence, so a complete line is
 * always whole characters. Invalid UTF-8 is an {@link UpstreamException}. A line longer than the bound is an
 * {@link UpstreamException} too, so a body without line ends cannot take unbounded memory. A byte order mark at the
 * very start is dropped.
 *
 * <p>Not thread-safe: one body, one thread at a time.
 */
public final class LineSplitter {

    /** Receives each complete line, without its terminator. */
    @FunctionalInterface
    public interface Handler {
        void line(String line);
    }

    /** The default bound of one line: far above any streamed chunk, far below what would hurt the server. */
    public static final int DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private final int maxLineBytes;
    private final Handler handler;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] line = new byte[256];
    private int length;
    private boolean afterCr;
    private boolean firstLine = true;

    public LineSplitter(int maxLineBytes, Handler handler) {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be at least 1");
        }
        this.maxLineBytes = maxLineBytes;
        this.handler = handler;
    }

    /** Consumes all of {@code bytes}, passing on every line they complete. */
    public void feed(ByteBuffer bytes) {
        while (bytes.hasRemaining()) {
            byte b = bytes.get();
            if (b == LF && afterCr) {
                afterCr = false;
                continue;
            }
            afterCr = b == CR;
            if (b == LF || b == CR) {
                emit();
            } else {
                append(b);
            }
        }
    }

    /** The input ended: a last line without terminator is passed on. */
    public void finish() {
        if (length > 0) {
            emit();
        }
    }

    private void append(byte b) {
        if (length >= maxLineBytes) {
            throw UpstreamException.malformed("a line was longer than " + maxLineBytes + " bytes");
        }
        if (length == line.length) {
            line = Arrays.copyOf(line, (int) Math.min(maxLineBytes, 2L * line.length));
        }
        line[length++] = b;
    }

    private void emit() {
        String text = decode();
        length = 0;
        if (line.length > 64 * 1024) {
            line = new byte[256]; // one long line must not pin its buffer for the rest of the body
        }
        if (firstLine) {
            firstLine = false;
            if (text.startsWith("\uFEFF")) {
                text = text.substring(1);
            }
        }
        handler.line(text);
    }

    private String decode() {
        if (length == 0) {
            return "";
        }
        try {
            CharBuffer chars = decoder.reset().decode(ByteBuffer.wrap(line, 0, length));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw UpstreamException.malformed("the body was not valid UTF-8");
        }
    }
}
