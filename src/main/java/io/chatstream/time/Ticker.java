package io.chatstream.time;

/**
 * Monotonic time in nanoseconds, as {@link System#nanoTime()}: what the lifetime rules (grace, retention, maximum
 * duration, keep-alive, stall, pacing) measure with. Given to each class that keeps time, so tests drive it by hand
 * ({@code ManualScheduler} in the tests) instead of waiting in real time.
 */
@FunctionalInterface
public interface Ticker {

    /** The machine's monotonic clock. */
    Ticker SYSTEM = System::nanoTime;

    /** Nanoseconds since an arbitrary origin; only differences mean anything. */
    long nanoTime();
}
