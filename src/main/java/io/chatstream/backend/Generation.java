package io.chatstream.backend;

/** A reply in progress, as returned by {@link ChatBackend#start}. */
@FunctionalInterface
public interface Generation {

    /**
     * Stops the reply: timers cancelled, upstream connection closed. Idempotent, callable from any thread, never
     * blocks; after it the backend makes no further sink calls (any it still makes are ignored).
     */
    void cancel();
}
