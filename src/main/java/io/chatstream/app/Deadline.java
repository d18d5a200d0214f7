package io.chatstream.app;

import java.time.Duration;

/**
 * A point in monotonic time that the steps of a stop share: each step waits at most what it needs and at most what
 * is left, so the whole stop has one bound however its steps add up.
 */
public final class Deadline {

    private final long nanos;

    private Deadline(long nanos) {
        this.nanos = nanos;
    }

    /** The deadline {@code bound} from now. */
    public static Deadline in(Duration bound) {
        return new Deadline(System.nanoTime() + bound.toNanos());
    }

    /** The time left, zero once passed. */
    public Duration left() {
        return Duration.ofNanos(Math.max(0, nanos - System.nanoTime()));
    }

    /** The time left, but no more than {@code most}. */
    public Duration atMost(Duration most) {
        Duration left = left();
        return left.compareTo(most) < 0 ? left : most;
    }

    public boolean passed() {
        return nanos - System.nanoTime() <= 0;
    }

    /** As {@link System#nanoTime()}. */
    public long nanoTime() {
        return nanos;
    }
}
