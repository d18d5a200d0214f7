package io.chatstream.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition that nothing signals (a process's state, a background reconnect, a page in a browser),
 * checking it often: the tests' one polling loop. The pause between checks starts at 2 ms and doubles up to
 * 40 ms: a condition that holds soon is seen at once, and a long wait (a container redeploying, a node starting)
 * checks 25 times a second rather than 200, which matters when each check is a request to the server under test.
 */
public final class Await {

    private static final long FIRST_PAUSE = 2_000_000;
    private static final long LONGEST_PAUSE = 40_000_000;

    private Await() {
    }

    /** True once {@code condition} holds, false when {@code within} passed first. */
    public static boolean until(Duration within, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        long pause = FIRST_PAUSE;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            pause = pause(pause);
        }
        return true;
    }

    /** A condition whose check may fail (a request, a browser call); its exception ends the wait. */
    @FunctionalInterface
    public interface Check<E extends Exception> {
        boolean holds() throws E;
    }

    /** As {@link #until}, for a check that may throw. */
    public static <E extends Exception> boolean check(Duration within, Check<E> condition) throws E {
        long deadline = System.nanoTime() + within.toNanos();
        long pause = FIRST_PAUSE;
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            pause = pause(pause);
        }
        return true;
    }

    /** Pauses {@code nanos}; returns the next pause. */
    private static long pause(long nanos) {
        LockSupport.parkNanos(nanos);
        return Math.min(nanos * 2, LONGEST_PAUSE);
    }
}
