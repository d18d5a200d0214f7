package io.chatstream.stream;

import java.util.Arrays;

/**
 * The events of one stream, as encoded JSON, in order: event {@code seq} (1-based) is {@code json(seq)}. One
 * appender at a time (the stream's lock); readers read without locking: {@link #size()} is published after the slot
 * it covers, so every {@code seq <= size()} is readable from any thread.
 */
final class EventLog {

    private volatile byte[][] events = new byte[8][];
    /** ends[i]: total JSON bytes of events 1..i+1, for a reader's backlog in O(1). */
    private volatile long[] ends = new long[8];
    private volatile int size;

    /** Appends; caller holds the stream's lock. Returns the new event's seq. */
    int append(byte[] json) {
        int n = size;
        byte[][] ev = events;
        long[] en = ends;
        if (n == ev.length) {
            ev = Arrays.copyOf(ev, n * 2);
            en = Arrays.copyOf(en, n * 2);
        }
        ev[n] = json;
        en[n] = (n == 0 ? 0 : en[n - 1]) + json.length;
        events = ev;
        ends = en;
        size = n + 1;
        return n + 1;
    }

    /** The number of events; the seq of the last one. */
    int size() {
        return size;
    }

    /** Event {@code seq}, 1 &lt;= seq &lt;= {@link #size()}. */
    byte[] json(int seq) {
        int n = size; // read the volatile size first: the arrays seen next hold every slot it covers
        if (seq < 1 || seq > n) {
            throw new IndexOutOfBoundsException("seq " + seq + " of " + n);
        }
        return events[seq - 1];
    }

    /** Total JSON bytes of all events. */
    long bytes() {
        int n = size;
        return n == 0 ? 0 : ends[n - 1];
    }

    /** JSON bytes of the events after {@code seq}. */
    long bytesAfter(int seq) {
        int n = size;
        if (seq >= n) {
            return 0;
        }
        long[] en = ends;
        return en[n - 1] - (seq <= 0 ? 0 : en[seq - 1]);
    }
}
