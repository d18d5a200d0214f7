package io.chatstream.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition that nothing signals (a process's state, a background reconnect, a page in a browser),
 * checking it often: the tests' one polling loop.
 */
public final class Await {

    private Await() {
    }

    /** True once {@code condition} holds, false when {@code within} passed first. */
    public static boolean until(Duration within, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(5_000_000);
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
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(5_000_000);
        }
        return true;
    }
}
