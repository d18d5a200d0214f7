package io.chatstream.cluster;

import io.chatstream.stream.SharedStreams;
import io.chatstream.stream.StreamSource;

import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The {@link SharedStreams} of a cluster node: its {@link StreamDirectory} (who runs what, the per-client count, the
 * {@code Idempotency-Key}s, stops) as the stream registry asks for it, and the {@link RemoteStreams} its readers
 * follow the streams of other nodes through.
 */
public final class DirectorySharedStreams implements SharedStreams {

    private static final System.Logger LOG = System.getLogger(DirectorySharedStreams.class.getName());

    private final StreamDirectory directory;
    private final RemoteStreams remote;
    private final int maxPerClient;

    /**
     * @param remote       the streams of other nodes this node's readers follow, from the shared log
     * @param maxPerClient {@code chat.limits.max-streams-per-client}, counted on all nodes
     */
    public DirectorySharedStreams(StreamDirectory directory, RemoteStreams remote, int maxPerClient) {
        this.directory = directory;
        this.remote = remote;
        this.maxPerClient = maxPerClient;
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public CompletionStage<Claim> register(String streamId, String clientKey, String principal, String model,
                                           String fingerprint, String idempotencyKey) {
        StreamFacts facts = StreamFacts.running(streamId, directory.node(), principal, clientKey, model, fingerprint);
        return directory.register(facts, idempotencyKey, maxPerClient).thenApply(DirectorySharedStreams::claim);
    }

    @Override
    public CompletionStage<Optional<Claim>> findByIdempotencyKey(String clientKey, String idempotencyKey) {
        return directory.findByIdempotencyKey(clientKey, idempotencyKey).thenApply(r -> r.map(
                DirectorySharedStreams::claim));
    }

    @Override
    public CompletionStage<Optional<Facts>> find(String streamId) {
        return directory.find(streamId).thenApply(f -> f.map(
                s -> new Facts(s.id(), s.owner(), s.principal(), s.running())));
    }

    @Override
    public CompletionStage<Boolean> requestStop(String streamId) {
        return directory.requestStop(streamId);
    }

    @Override
    public CompletionStage<StreamSource> follow(String streamId) {
        return remote.follow(streamId).thenApply(s -> s);
    }

    @Override
    public void ended(String streamId) {
        directory.ended(streamId).whenComplete((v, t) -> {
            if (t != null) {
                LOG.log(Level.DEBUG, () -> "The end of stream " + streamId + " is written on a later try: " + t);
            }
        });
    }

    @Override
    public void onStopRequested(Consumer<String> listener) {
        directory.addStopListener(listener::accept);
    }

    private static Claim claim(StreamDirectory.Registration r) {
        Claim.Outcome outcome = switch (r.outcome()) {
            case REGISTERED -> Claim.Outcome.REGISTERED;
            case EXISTING -> Claim.Outcome.EXISTING;
            case TOO_MANY_FOR_CLIENT -> Claim.Outcome.TOO_MANY_FOR_CLIENT;
        };
        return new Claim(outcome, r.streamId(), r.fingerprint());
    }
}
