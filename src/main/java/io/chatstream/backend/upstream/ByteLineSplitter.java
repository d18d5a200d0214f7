package io.chatstream.backend.upstream;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * {@link LineSplitter}'s rules without decoding: splits a UTF-8 byte stream cut anywhere into lines and hands each
 * one on as bytes, so that a parser reading bytes (see {@link StreamJson}) never pays for a {@code String} per line.
 *
 * <p>A line ends at LF, CR or CRLF; the terminator is not part of the line. Every line is checked to be well-formed
 * UTF-8 (the checks of the JDK's decoder: no stray continuation byte, no overlong form, no surrogate, nothing above
 * U+10FFFF), else an {@link UpstreamException}. A line longer than the bound is an {@link UpstreamException} too. A
 * byte order mark at the very start is dropped. A line that arrived whole inside one buffer is handed on from that
 * buffer, without a copy; only lines cut between buffers are gathered.
 *
 * <p>Not thread-safe: one body, one thread at a time.
 */
public final class ByteLineSplitter {

    /** Receives each complete line; the bytes are valid only during the call. */
    @FunctionalInterface
    public interface Handler {
        void line(byte[] bytes, int offset, int length);
    }

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final int SHRINK_ABOVE = 64 * 1024;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long LFS = LF * ONES;
    private static final long CRS = CR * ONES;

    private final int maxLineBytes;
    private final Handler handler;
    private byte[] line = new byte[256];
    private int length;
    private byte[] scratch;
    private boolean afterCr;
    private boolean firstLine = true;
    /** Some byte of the held part of the line is not ASCII: only then is the line checked as UTF-8. */
    private boolean heldNonAscii;
    /** Set by {@link #lineEnd}. */
    private boolean scannedNonAscii;

    public ByteLineSplitter(int maxLineBytes, Handler handler) {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be at least 1");
        }
        this.maxLineBytes = maxLineBytes;
        this.handler = handler;
    }

    /** Consumes all of {@code bytes}, passing on every line they complete. */
    public void feed(ByteBuffer bytes) {
        if (bytes.hasArray()) {
            int start = bytes.arrayOffset() + bytes.position();
            int end = bytes.arrayOffset() + bytes.limit();
            bytes.position(bytes.limit());
            feed(bytes.array(), start, end);
            return;
        }
        if (scratch == null) {
            scratch = new byte[8192]; // read-only or direct buffers only: copied out in slices
        }
        while (bytes.hasRemaining()) {
            int n = Math.min(bytes.remaining(), scratch.length);
            bytes.get(scratch, 0, n);
            feed(scratch, 0, n);
        }
    }

    /** Consumes {@code bytes[from..to)}. */
    public void feed(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to) {
            if (afterCr) {
                afterCr = false;
                if (bytes[i] == LF) {
                    i++;
                    continue;
                }
            }
            int j = lineEnd(bytes, i, to);
            boolean nonAscii = scannedNonAscii;
            if (j == to) {
                append(bytes, i, j - i);
                heldNonAscii |= nonAscii;
                return;
            }
            afterCr = bytes[j] == CR;
            if (length == 0) {
                if (j - i > maxLineBytes) {
                    throw tooLong();
                }
                emit(bytes, i, j - i, nonAscii);
            } else {
                append(bytes, i, j - i);
                heldNonAscii |= nonAscii;
                emitHeld();
            }
            i = j + 1;
        }
    }

    /**
     * The index of the first LF or CR in {@code bytes[from..to)}, or {@code to}; whether a byte before it is not
     * ASCII goes to {@link #scannedNonAscii}. Eight bytes at a time while none of them ends the line: this runs over
     * every byte of every body.
     */
    private int lineEnd(byte[] bytes, int from, int to) {
        long high = 0;
        int j = from;
        while (j + 8 <= to) {
            long word = (long) LONGS.get(bytes, j);
            long lf = word ^ LFS;
            long cr = word ^ CRS;
            if (((((lf - ONES) & ~lf) | ((cr - ONES) & ~cr)) & HIGHS) != 0) {
                break; // a line end in these eight bytes: the loop below finds it
            }
            high |= word;
            j += 8;
        }
        int seen = 0;
        byte b;
        while (j < to && (b = bytes[j]) != LF && b != CR) {
            seen |= b;
            j++;
        }
        scannedNonAscii = (high & HIGHS) != 0 || seen < 0;
        return j;
    }

    /** The input ended: a last line without terminator is passed on. */
    public void finish() {
        if (length > 0) {
            emitHeld();
        }
    }

    private void append(byte[] bytes, int from, int n) {
        if (n > maxLineBytes - length) {
            throw tooLong();
        }
        if (length + n > line.length) {
            line = Arrays.copyOf(line, (int) Math.min(maxLineBytes, Math.max(length + n, 2L * line.length)));
        }
        System.arraycopy(bytes, from, line, length, n);
        length += n;
    }

    private UpstreamException tooLong() {
        return UpstreamException.malformed("a line was longer than " + maxLineBytes + " bytes");
    }

    private void emitHeld() {
        int n = length;
        boolean nonAscii = heldNonAscii;
        length = 0;
        heldNonAscii = false;
        byte[] held = line;
        if (held.length > SHRINK_ABOVE) {
            line = new byte[256]; // one long line must not pin its buffer for the rest of the body
        }
        emit(held, 0, n, nonAscii);
    }

    private void emit(byte[] bytes, int offset, int n, boolean nonAscii) {
        if (firstLine) {
            firstLine = false;
            if (n >= 3 && bytes[offset] == (byte) 0xEF && bytes[offset + 1] == (byte) 0xBB
                    && bytes[offset + 2] == (byte) 0xBF) {
                offset += 3;
                n -= 3;
            }
        }
        if (nonAscii && !isUtf8(bytes, offset, n)) {
            throw UpstreamException.malformed("the body was not valid UTF-8");
        }
        handler.line(bytes, offset, n);
    }

    /** True when {@code bytes[offset..offset+n)} is well-formed UTF-8 (Unicode table 3-7). */
    static boolean isUtf8(byte[] bytes, int offset, int n) {
        int i = offset;
        int end = offset + n;
        while (i < end) {
            int b = bytes[i];
            if (b >= 0) {
                i++;
                continue;
            }
            b &= 0xFF;
            if (b < 0xC2 || b > 0xF4) {
                return false;
            }
            int need = b < 0xE0 ? 1 : b < 0xF0 ? 2 : 3;
            if (end - i <= need) {
                return false;
            }
            int b1 = bytes[i + 1] & 0xFF;
            if ((b1 & 0xC0) != 0x80
                    || b == 0xE0 && b1 < 0xA0 || b == 0xED && b1 > 0x9F
                    || b == 0xF0 && b1 < 0x90 || b == 0xF4 && b1 > 0x8F) {
                return false;
            }
            for (int k = 2; k <= need; k++) {
                if ((bytes[i + k] & 0xC0) != 0x80) {
                    return false;
                }
            }
            i += need + 1;
        }
        return true;
    }
}
