package io.chatstream.stream;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A stream as its readers see it: the events after a seq, and a wake-up (StreamReader.wake) when there are more.
 * {@link ChatStream} is the one generated on this node; a stream followed from another node is filled from a shared
 * log.
 */
public interface StreamSource {

    String id();

    int lastSeq();

    /** True once no event will follow lastSeq(). */
    boolean isTerminated();

    void frame(int seq, io.chatstream.wire.Framing framing, io.chatstream.wire.ByteSink out);

    long bytesAfter(int seq);

    /** Attaches a reader, woken on every new event; false when the stream no longer takes readers. */
    boolean attach(StreamReader reader);

    void detach(StreamReader reader);

    /**
     * Completes once this stream holds event {@code seq}, or is not to be waited for: before a request that names
     * seq (Last-Event-ID) is judged. A stream generated here holds every event it sent, so at once; a stream followed
     * from another node may lag behind what its owner already delivered, so it waits, without a thread, a bounded
     * time for its view to catch up. Never fails.
     */
    default CompletionStage<Void> reach(int seq) {
        return CompletableFuture.completedFuture(null);
    }
}
