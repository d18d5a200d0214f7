package io.chatstream.limits;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where the limits on new replies are counted: in this node's memory ({@link InMemoryRateLimiter}) or, for a
 * cluster, in Redis ({@link RedisRateLimiter}). Nothing here waits: an answer that needs the store comes as a
 * future.
 */
public interface RateLimiter extends AutoCloseable {

    /**
     * Counts a new reply of {@code clientKey} when both limits allow it. The stage always completes normally, and
     * soon: a store that cannot answer in time fails open ({@link Decision#UNLIMITED}).
     */
    CompletionStage<Decision> acquire(String clientKey);

    /** Takes back the start {@code decision} counted: the reply did not start after all (a stream limit refused it). */
    void release(String clientKey, Decision decision);

    /** Adds completion tokens a reply of {@code clientKey} received to today's count. */
    void spent(String clientKey, long tokens);

    @Override
    default void close() {
    }

    /** Counts nothing and refuses nothing: both limits are off. */
    RateLimiter NONE = new RateLimiter() {
        private final CompletableFuture<Decision> unlimited = CompletableFuture.completedFuture(Decision.UNLIMITED);

        @Override
        public CompletionStage<Decision> acquire(String clientKey) {
            return unlimited;
        }

        @Override
        public void release(String clientKey, Decision decision) {
        }

        @Override
        public void spent(String clientKey, long tokens) {
        }
    };
}
