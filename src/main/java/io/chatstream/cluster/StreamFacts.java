package io.chatstream.cluster;

import java.util.Objects;

/**
 * What every node may know of a stream, whichever node runs it: the facts {@link StreamDirectory} shares.
 *
 * @param id            the stream id
 * @param owner         the id of the node that runs the generation
 * @param principal     who started it, or null when no one signed in; the caller applies the principal rule
 * @param clientKey     the client it counts against ({@code chat.limits.max-streams-per-client})
 * @param model         the model that writes the reply
 * @param state         running until the owner records the terminal event
 * @param fingerprint   the fingerprint of the request that started it, or null; a repeat of its
 *                      {@code Idempotency-Key} with another fingerprint is refused
 * @param stopRequested a {@code DELETE} reached some node while it ran
 */
public record StreamFacts(String id, String owner, String principal, String clientKey, String model, State state,
                          String fingerprint, boolean stopRequested) {

    public enum State { RUNNING, ENDED }

    public StreamFacts {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(clientKey, "clientKey");
        Objects.requireNonNull(state, "state");
    }

    /** A stream that is about to start on {@code owner}. */
    public static StreamFacts running(String id, String owner, String principal, String clientKey, String model,
                                      String fingerprint) {
        return new StreamFacts(id, owner, principal, clientKey, model, State.RUNNING, fingerprint, false);
    }

    public boolean running() {
        return state == State.RUNNING;
    }
}
