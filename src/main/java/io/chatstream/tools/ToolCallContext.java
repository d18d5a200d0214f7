package io.chatstream.tools;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One call of a {@link ChatTool}: what the model passed, on whose behalf, and a signal that fires when nobody wants
 * the result any more (the reply was cancelled, or the call ran out of {@code chat.tools.timeout-seconds}).
 */
public final class ToolCallContext {

    private final String callId;
    private final String arguments;
    private final String principal;
    private final CompletableFuture<Void> cancelled = new CompletableFuture<>();

    /**
     * @param callId    the call's id, as in its {@code tool_call} event
     * @param arguments the model's JSON text, as it came: untrusted
     * @param principal the authenticated user the reply belongs to, or null without authentication
     */
    public ToolCallContext(String callId, String arguments, String principal) {
        this.callId = Objects.requireNonNull(callId, "callId");
        this.arguments = Objects.requireNonNull(arguments, "arguments");
        this.principal = principal;
    }

    public String callId() {
        return callId;
    }

    /** The arguments the model wrote: JSON text that may be malformed or hostile. Validate before use. */
    public String arguments() {
        return arguments;
    }

    /**
     * The authenticated principal ({@code chat.auth.mode} token or container) whose reply called the tool, or null
     * when the server runs without authentication. A tool that reads a user's data decides with it, never with
     * anything in the arguments.
     */
    public String principal() {
        return principal;
    }

    /** True once the call is abandoned: stop working, the result will be dropped. */
    public boolean isCancelled() {
        return cancelled.isDone();
    }

    /** Completes, once, when the call is abandoned; attach what stops the work (closing a connection, say). */
    public CompletionStage<Void> cancelled() {
        return cancelled.minimalCompletionStage();
    }

    /** Fires the cancellation signal; idempotent. Called by the server. */
    void cancel() {
        cancelled.complete(null);
    }
}
