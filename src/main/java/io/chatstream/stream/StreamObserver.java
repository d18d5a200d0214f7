package io.chatstream.stream;

import io.chatstream.event.ChatEvent;

/**
 * Hears what streams and readers do, for metrics and logs. Every method must be quick and must not throw; all have
 * empty defaults.
 */
public interface StreamObserver {

    /** A generation began. */
    default void streamStarted(ChatStream stream) {
    }

    /** The first reasoning, chunk or tool call of a stream, {@code nanos} after it started. */
    default void firstToken(ChatStream stream, long nanos) {
    }

    /** A stream appended its terminal event, {@code nanos} after it started. */
    default void streamEnded(ChatStream stream, ChatEvent.Terminal terminal, long nanos) {
    }

    /** A reader attached; {@code resumed} when it asked for events after a {@code Last-Event-ID}. */
    default void readerAttached(StreamSource stream, boolean resumed) {
    }

    /** A reader went away. */
    default void readerDetached(StreamSource stream, DetachReason reason) {
    }

    /** A keep-alive comment (or NDJSON ping) was written. */
    default void keepAliveSent() {
    }

    /** {@code events} events were written to some reader. */
    default void eventsWritten(int events) {
    }

    /**
     * A new reply of {@code clientKey} was refused by the limit named {@code limit}
     * ({@code replies-per-minute}, {@code tokens-per-day}); nothing was started.
     */
    default void rateLimited(String limit, String clientKey) {
    }

    /** Why a reader left. */
    enum DetachReason {
        /** Every event, the terminal one included, was written. */
        COMPLETED,
        /** The client closed the connection, or a write failed. */
        DISCONNECTED,
        /** The client stopped reading: its backlog or stall time ran over the bound. */
        TOO_SLOW,
        /** The webapp is stopping. */
        SHUTDOWN
    }

    StreamObserver NONE = new StreamObserver() {
    };
}
