package io.chatstream.stream;

import io.chatstream.wire.ByteSink;
import io.chatstream.wire.Framing;

import java.util.Arrays;

/**
 * The events of one stream, as encoded JSON, in order: event {@code seq} is 1-based. The JSON is packed end to end
 * into a few segments (256 bytes, then doubling up to 4 KiB; an event larger than that gets a segment of its own),
 * not one array per event: a reply of a few hundred tokens is a handful of objects for the garbage collector to
 * copy, not hundreds, and an idle stream holds well under 1 KiB. Per event the log keeps 12 bytes of index.
 *
 * <p>One appender at a time (the stream's lock); readers read without locking: {@link #size()} is published after
 * the bytes and index entries it covers, and published bytes never change, so every {@code seq <= size()} is
 * readable from any thread.
 */
public final class MemoryEventLog implements EventLog {

    private static final int FIRST_SEGMENT = 256;
    private static final int SEGMENT = 4096;

    private volatile byte[][] segments = new byte[4][];
    /** Per event: its segment's index (high 32 bits) and its offset in that segment (low 32 bits). */
    private volatile long[] where = new long[8];
    /** ends[i]: total JSON bytes of events 1..i+1, for lengths and a reader's backlog in O(1). */
    private volatile int[] ends = new int[8];
    private volatile int size;
    /** Appender only: segments in use, and bytes used in the last one. */
    private int segmentCount;
    private int fill;

    /** Appends {@code json[offset, offset + length)}; caller holds the stream's lock. Returns the new event's seq. */
    @Override
    public int append(byte[] json, int offset, int length) {
        int n = size;
        long[] w = where;
        int[] e = ends;
        if (n == w.length) {
            w = Arrays.copyOf(w, n * 2);
            e = Arrays.copyOf(e, n * 2);
        }
        byte[][] segs = segments;
        byte[] seg = segmentCount == 0 ? null : segs[segmentCount - 1];
        if (seg == null || seg.length - fill < length) {
            int grown = segmentCount >= 4 ? SEGMENT : FIRST_SEGMENT << segmentCount;
            seg = new byte[Math.max(length, grown)];
            if (segmentCount == segs.length) {
                segs = Arrays.copyOf(segs, segmentCount * 2);
            }
            segs[segmentCount++] = seg;
            fill = 0;
        }
        System.arraycopy(json, offset, seg, fill, length);
        w[n] = ((long) (segmentCount - 1) << 32) | fill;
        fill += length;
        e[n] = (n == 0 ? 0 : e[n - 1]) + length;
        if (segs != segments) {
            segments = segs;
        }
        if (w != where) {
            where = w;
            ends = e;
        }
        size = n + 1;
        return n + 1;
    }

    /** The number of events; the seq of the last one. */
    @Override
    public int size() {
        return size;
    }

    /** A copy of event {@code seq}'s JSON, 1 &lt;= seq &lt;= {@link #size()}. */
    @Override
    public byte[] json(int seq) {
        checked(seq);
        long at = where[seq - 1];
        byte[] seg = segments[(int) (at >>> 32)];
        return Arrays.copyOfRange(seg, (int) at, (int) at + length(seq));
    }

    /**
     * Appends event {@code seq} to {@code out} as {@code framing} frames it (with stream id {@code streamId}), straight
     * from the segment it lives in: no copy of the event on the way.
     */
    @Override
    public void frame(int seq, Framing framing, byte[] streamId, ByteSink out) {
        checked(seq);
        long at = where[seq - 1];
        byte[] seg = segments[(int) (at >>> 32)];
        framing.event(out, streamId, seq, seg, (int) at, length(seq));
    }

    /** Reads the volatile size first, so the arrays read after it hold every slot it covers. */
    private void checked(int seq) {
        int n = size;
        if (seq < 1 || seq > n) {
            throw new IndexOutOfBoundsException("seq " + seq + " of " + n);
        }
    }

    private int length(int seq) {
        int[] e = ends;
        return e[seq - 1] - (seq == 1 ? 0 : e[seq - 2]);
    }

    /** Total JSON bytes of all events. */
    @Override
    public long bytes() {
        int n = size;
        return n == 0 ? 0 : ends[n - 1];
    }

    /** JSON bytes of the events after {@code seq}. */
    @Override
    public long bytesAfter(int seq) {
        int n = size;
        if (seq >= n) {
            return 0;
        }
        int[] en = ends;
        return en[n - 1] - (seq <= 0 ? 0 : en[seq - 1]);
    }
}
