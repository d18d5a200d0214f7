package io.chatstream.stream;

/**
 * Where one stream's events are kept, in order, as encoded JSON; seq is 1-based. One appender at a time (the
 * stream's lock); readers read without locking any seq <= size().
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

    /** The stream is forgotten here (retention over, or the webapp stops). */
    default void release() { }
}
