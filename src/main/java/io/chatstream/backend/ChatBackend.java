package io.chatstream.backend;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A source of replies: the extension point for model providers.
 *
 * <p>{@link #start} begins one reply and returns at once; the reply's events go to the {@link ChatSink} as they come,
 * from whatever thread the backend produces them on (a timer of the shared scheduler, an HTTP client callback). The
 * backend must never hold the calling thread, nor any thread, while it waits for a token: use
 * {@link BackendContext#scheduler()} for timers and {@link BackendContext#httpClient()}'s asynchronous API for
 * upstream calls.
 *
 * <p>Contract, for every call of {@link #start} that returns normally: the sink receives any number of content
 * calls, then <b>exactly one</b> terminal call, {@link ChatSink#end} or {@link ChatSink#error}, unless the reply is
 * cancelled first through {@link Generation#cancel()}, after which the backend should stop as soon as it can and may
 * make no further calls. Calls to the sink never overlap. {@link #start} throws {@link BackendUnavailableException}
 * when the backend cannot take a reply at all (the client gets 503 and no stream starts).
 *
 * <p>Implementations are created once per webapp by their {@link ChatBackendProvider}, shared by all requests, and
 * {@link #close() closed} when the webapp stops.
 */
public interface ChatBackend extends AutoCloseable {

    /**
     * Starts a reply to {@code request}, reporting to {@code sink}. Returns without waiting for the reply.
     *
     * @return a handle that cancels this reply; cancelling must close any upstream connection of the reply
     * @throws BackendUnavailableException the reply cannot be started at all
     */
    Generation start(ChatRequest request, ChatSink sink) throws BackendUnavailableException;

    /** The model a reply uses when the request names none; shown in the {@code start} event. */
    String defaultModel();

    /**
     * The models this backend offers ({@code GET /api/models}, SPEC section 11), asked of the upstream without
     * blocking: the future completes with the provider's own list, or exceptionally when the provider cannot list
     * (the client then gets {@code 503 unavailable}). Callers cache the answer; a backend need not. The default lists
     * just {@link #defaultModel()}.
     */
    default CompletableFuture<List<String>> listModels() {
        String model = defaultModel();
        return CompletableFuture.completedFuture(model == null || model.isEmpty() ? List.of() : List.of(model));
    }

    /** Releases what the backend holds; called once when the webapp stops. The default does nothing. */
    @Override
    default void close() {
    }
}
