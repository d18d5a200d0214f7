package io.chatstream.stream;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * What the {@link StreamRegistry} of one node needs to know of the streams of all nodes: it registers each new
 * generation here (the per-client limit across nodes, the {@code Idempotency-Key} across nodes), says when it
 * ended, learns of stops asked for its streams on other nodes, and finds and follows streams other nodes run.
 * {@link #ONE_NODE} knows no other node; a cluster's is kept in Redis.
 *
 * <p>Nothing here waits: a stage that could not be had (Redis is away or slow) completes exceptionally, promptly;
 * the registry answers {@link StreamRegistry.Refusal#UNAVAILABLE} then.
 */
public interface SharedStreams {

    /** One node: every stream is this node's, and nothing is shared. */
    SharedStreams ONE_NODE = new SharedStreams() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public CompletionStage<Claim> register(String streamId, String clientKey, String principal, String model,
                                               String fingerprint, String idempotencyKey) {
            return CompletableFuture.completedFuture(Claim.registered(streamId));
        }

        @Override
        public CompletionStage<Optional<Claim>> findByIdempotencyKey(String clientKey, String idempotencyKey) {
            return CompletableFuture.completedFuture(Optional.empty());
        }

        @Override
        public CompletionStage<Optional<Facts>> find(String streamId) {
            return CompletableFuture.completedFuture(Optional.empty());
        }

        @Override
        public CompletionStage<Boolean> requestStop(String streamId) {
            return CompletableFuture.completedFuture(false);
        }

        @Override
        public CompletionStage<StreamSource> follow(String streamId) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void ended(String streamId) {
        }

        @Override
        public void onStopRequested(Consumer<String> listener) {
        }
    };

    /** False on one node: the registry then answers everything from memory, at once. */
    boolean enabled();

    /**
     * Registers a generation this node is about to start, admitting it against the client's running streams on all
     * nodes and claiming its {@code Idempotency-Key}; nothing is counted unless the claim is
     * {@link Claim.Outcome#REGISTERED}.
     *
     * @param idempotencyKey the request's {@code Idempotency-Key}, or null
     */
    CompletionStage<Claim> register(String streamId, String clientKey, String principal, String model,
                                    String fingerprint, String idempotencyKey);

    /** The stream of any node that holds the client's {@code Idempotency-Key}, as {@link Claim.Outcome#EXISTING}. */
    CompletionStage<Optional<Claim>> findByIdempotencyKey(String clientKey, String idempotencyKey);

    /** What any node knows of a stream; empty when none does (never started, or expired). */
    CompletionStage<Optional<Facts>> find(String streamId);

    /** Asks the node that runs the stream to stop it; true when it was running. */
    CompletionStage<Boolean> requestStop(String streamId);

    /**
     * A stream another node runs, as its readers here see it (filled from the shared log); null when it cannot be
     * followed from here (unknown, expired, or no shared log).
     */
    CompletionStage<StreamSource> follow(String streamId);

    /** This node's stream recorded its terminal event: it counts against its client no more. Never fails. */
    void ended(String streamId);

    /** {@code listener} is told the id of each of this node's streams a stop was asked for on some node. */
    void onStopRequested(Consumer<String> listener);

    /**
     * What every node may know of a stream.
     *
     * @param owner     the node that runs it
     * @param principal who started it, or null without auth
     * @param running   false once its terminal event is recorded
     */
    record Facts(String streamId, String owner, String principal, boolean running) {
    }

    /**
     * The answer to a registration or a look-up by {@code Idempotency-Key}.
     *
     * @param streamId    the stream registered, or the one holding the key; null when refused
     * @param fingerprint the fingerprint of the request that started the stream holding the key, or null
     */
    record Claim(Outcome outcome, String streamId, String fingerprint) {

        public enum Outcome { REGISTERED, EXISTING, TOO_MANY_FOR_CLIENT }

        public static Claim registered(String streamId) {
            return new Claim(Outcome.REGISTERED, streamId, null);
        }

        /** True unless both fingerprints are known and differ: a null compares nothing, as on one node. */
        public boolean sameRequest(String fingerprint) {
            return fingerprint == null || this.fingerprint == null || this.fingerprint.equals(fingerprint);
        }
    }
}
