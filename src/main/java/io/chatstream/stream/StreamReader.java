package io.chatstream.stream;

import java.util.concurrent.CompletableFuture;

/**
 * A connection attached to a stream. The stream only signals; the reader pulls the events it has not yet sent from
 * the stream's log, at the pace its socket allows, so the stream never buffers per reader.
 */
public interface StreamReader {

    /** New events were appended (or the stream ended). Called on the appender's thread: must not block. */
    void wake();

    /**
     * The webapp is stopping, or the container is ending the response: write {@code retry: retryMillis} if possible
     * and complete the response, without a terminal event (the client resumes from its last event). Must not block.
     */
    void shutdown(long retryMillis);

    /** True once the reader is done with its connection (the response completed). */
    default boolean isClosed() {
        return closed().isDone();
    }

    /** Completed once the reader is done with its connection: what the webapp's stop waits on. */
    CompletableFuture<Void> closed();

    /** Completes the response now, whatever is still unwritten: when {@link #shutdown} could not finish in time. */
    void abort();
}
