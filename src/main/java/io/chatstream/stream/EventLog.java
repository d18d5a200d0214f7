package io.chatstream.stream;

/**
 * Where one stream's events are kept, in order, as encoded JSON; seq is 1-based. One appender at a time (the
 * stream's lock); readers read without locking any seq &lt;= size(). A second implementation keeps the events
 * where other nodes can read them too.
 */
public interface EventLog {

    /**
     * Appends json[offset, offset+length) as the next event; returns its seq. Never blocks (a log kept elsewhere
     * queues the event for an asynchronous, batched write and serves it locally meanwhile).
     */
    int append(byte[] json, int offset, int length);

    /** The seq of the last event appended. */
    int size();

    /** A copy of event seq's JSON. */
    byte[] json(int seq);

    /** Appends event seq to out as framing frames it, with stream id streamId. */
    void frame(int seq, io.chatstream.wire.Framing framing, byte[] streamId, io.chatstream.wire.ByteSink out);

    /** Total JSON bytes of all events. */
    long bytes();

    /** JSON bytes of the events after seq. */
    long bytesAfter(int seq);

    /** The terminal event is in: nothing more will be appended (a shared log sets its expiry, flushes). */
    default void ended() { }

    /**
     * Completes once everything appended, the end included, is where the log keeps it (at once for a log in memory;
     * a shared log when Redis holds it, or when it is released): a stopping node waits for this before it lets go
     * of Redis. Meaningful after {@link #ended()}.
     */
    default java.util.concurrent.CompletableFuture<Void> flushed() {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /** The stream is forgotten here (retention over, or the webapp stops). */
    default void release() { }

    /**
     * {@code failed} is told, at most once, when a log kept elsewhere cannot keep the events of a running stream any
     * more (Redis unreachable for {@code chat.cluster.outage-seconds}), with a message for the client: the stream
     * then ends with {@code error} / {@code internal}, an event the log keeps for when that place returns. A log in
     * memory never fails.
     */
    default void onFailure(java.util.function.Consumer<String> failed) { }
}
