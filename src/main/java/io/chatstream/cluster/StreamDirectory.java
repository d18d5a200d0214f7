package io.chatstream.cluster;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The facts every node shares about each stream ({@link StreamFacts}), apart from its events: who runs it, whose it
 * is, whether it still runs, its {@code Idempotency-Key}, how many streams its client runs on all nodes, which nodes
 * are alive, and a stop asked for on any node.
 *
 * <p>Nothing here waits: every answer completes a {@link CompletionStage}. One that could not be had (Redis is away
 * or slow) completes exceptionally, promptly, with a {@link ClusterUnavailableException}: the caller answers
 * {@code 503} with {@code Retry-After}.
 *
 * <p>The node that registers a stream owns it: it keeps the stream's facts alive while it runs, learns of stops
 * asked for it ({@link StopListener}), and says when it ended ({@link #ended}). A node that vanishes without saying
 * so loses its lease; its streams then count against no client, and their readers learn the owner is gone
 * ({@link #ownerGone}) within {@code chat.cluster.lease-seconds}.
 */
public interface StreamDirectory extends AutoCloseable {

    /** This node's id: the owner of the streams it registers. */
    String node();

    /**
     * Registers a stream this node is about to start, admitting it against the client's running streams on all
     * nodes, and claims its {@code Idempotency-Key} for the client unless another stream holds it. Nothing is
     * counted or claimed unless the answer is {@link Registration.Outcome#REGISTERED}.
     *
     * @param facts          a running stream whose owner is {@link #node()}
     * @param idempotencyKey the request's {@code Idempotency-Key}, or null
     * @param maxPerClient   {@code chat.limits.max-streams-per-client}
     * @throws IllegalArgumentException the stream is not a running one of this node's
     */
    CompletionStage<Registration> register(StreamFacts facts, String idempotencyKey, int maxPerClient);

    /** The facts of a stream, empty when no node knows it (never registered, or expired): {@code 404}. */
    CompletionStage<Optional<StreamFacts>> find(String streamId);

    /** The stream that holds a client's {@code Idempotency-Key}, as {@link Registration.Outcome#EXISTING}; or empty. */
    CompletionStage<Optional<Registration>> findByIdempotencyKey(String clientKey, String idempotencyKey);

    /**
     * The owner recorded the stream's terminal event: it counts against its client no more, and its facts and its
     * {@code Idempotency-Key} expire {@code chat.stream.retain-seconds} from now. Kept and tried again until Redis
     * takes it, so the returned stage's failure needs no handling beyond a log line.
     */
    CompletionStage<Void> ended(String streamId);

    /**
     * Asks the owner, wherever it runs, to stop the stream: a message, which it gets at once, and a flag in the
     * stream's facts, which it reads often enough to learn of a missed message within a second.
     *
     * @return true when the stream was running, false when it ended already or is unknown
     */
    CompletionStage<Boolean> requestStop(String streamId);

    /** True while the node renews its lease. */
    CompletionStage<Boolean> isAlive(String node);

    /**
     * True when the stream's readers should end it with {@code error} / {@code interrupted}: its facts are gone, or it
     * runs and its owner's lease lapsed. A reader checks it every third of {@code chat.cluster.lease-seconds} while
     * no event comes; after a Redis restart that lost the data, the owner writes both back within that time, so a
     * reader ends the stream only on two answers in a row.
     */
    CompletionStage<Boolean> ownerGone(String streamId);

    /** Adds a listener for the stops asked for this node's streams. */
    void addStopListener(StopListener listener);

    /** Stops renewing the lease and listening; writes nothing, so the node's streams lapse with its lease. */
    @Override
    void close();

    /** Told, once per stream, that a stop was asked for a running stream this node owns. */
    @FunctionalInterface
    interface StopListener {
        /** Called on the shared scheduler; must not block. */
        void onStopRequested(String streamId);
    }

    /**
     * The answer to a registration or to a look-up by {@code Idempotency-Key}.
     *
     * @param outcome     what happened
     * @param streamId    the stream registered, or the one that holds the key; null when refused
     * @param fingerprint the fingerprint of the request that started the stream holding the key, or null
     */
    record Registration(Outcome outcome, String streamId, String fingerprint) {

        public enum Outcome {
            /** Registered and counted: the caller starts the generation. */
            REGISTERED,
            /** The key is held by {@link #streamId()}: attach when {@link #sameRequest}, else 422. */
            EXISTING,
            /** The client runs {@code max-streams-per-client} streams on all nodes already: 429. */
            TOO_MANY_FOR_CLIENT
        }

        /**
         * True when a repeat with {@code fingerprint} is the request that started the stream holding the key; a null
         * on either side compares nothing, as on one node.
         */
        public boolean sameRequest(String fingerprint) {
            return fingerprint == null || this.fingerprint == null || this.fingerprint.equals(fingerprint);
        }
    }
}
