package io.chatstream.web;

import io.chatstream.backend.BackendUnavailableException;
import io.chatstream.backend.ChatRequest;
import io.chatstream.limits.Decision;
import io.chatstream.limits.RateLimitFields;
import io.chatstream.limits.ReplyLimits;
import io.chatstream.protocol.ApiError;
import io.chatstream.stream.ChatStream;
import io.chatstream.stream.ConversationReply;
import io.chatstream.stream.StreamRegistry;
import io.chatstream.stream.StreamSource;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * Opens the stream of a new reply, for {@code POST /api/chat}, {@code GET /api/chat?prompt=} and a conversation's
 * messages alike: the repeat of an {@code Idempotency-Key} finds its retained stream; anything else asks the limits
 * on new replies ({@link ReplyLimits}), then the {@link StreamRegistry}, which admits the generation (in a cluster,
 * on all nodes) and starts it on the backend. A repeat is no new reply: it is not counted.
 */
final class StreamOpener {

    private static final System.Logger LOG = System.getLogger(StreamOpener.class.getName());

    /** What is done with a reply's stream once it is open; an {@link ApiError} it throws is the answer. */
    interface Opened {
        void opened(StreamSource stream) throws ApiError, IOException;
    }

    private final StreamRegistry registry;
    private final ReplyLimits limits;
    private final Refusals refusals;

    StreamOpener(StreamRegistry registry, ReplyLimits limits, Refusals refusals) {
        this.registry = registry;
        this.limits = limits;
        this.refusals = refusals;
    }

    /**
     * Opens a new stream for {@code request}, or finds the retained one of the request's {@code Idempotency-Key}
     * (which keeps its own {@link ChatStream#conversationReply()}; in a cluster it may run on another node, and is
     * then followed from here), and hands it to {@code then}. Where the limits or the registry need Redis, their
     * answer completes later, on another thread, and the request continues on a container thread then; until it
     * does, no thread waits for it.
     *
     * @param fingerprint the request's fingerprint, compared with a repeated key's first request; null: none
     * @param reply       the conversation message the stream writes, or null
     */
    void open(AsyncContext async, HttpServletRequest req, HttpServletResponse resp, ApiGate.Caller caller,
              ChatRequest request, String fingerprint, ConversationReply reply, Opened then)
            throws ApiError, IOException {
        String idempotencyKey = req.getHeader("Idempotency-Key");
        if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.length() > 255)) {
            throw ApiError.invalid("Idempotency-Key must be 1 to 255 characters.");
        }
        String compared = idempotencyKey == null ? null : fingerprint;
        AsyncSteps.after(async, resp, registry.findByIdempotencyKeyAsync(caller.clientKey(), idempotencyKey,
                compared), (repeat, failure) -> {
                    if (failure != null) {
                        throw refusal(failure);
                    }
                    if (repeat != null) {
                        then.opened(repeat);
                    } else {
                        admit(async, resp, caller, request, compared, idempotencyKey, reply, then);
                    }
                }, null);
    }

    /** Asks the limits on new replies, then {@link #start}s; a request gone meanwhile gives its admission back. */
    private void admit(AsyncContext async, HttpServletResponse resp, ApiGate.Caller caller, ChatRequest request,
                       String fingerprint, String idempotencyKey, ConversationReply reply, Opened then)
            throws ApiError, IOException {
        AsyncSteps.after(async, resp, limits.admit(caller.clientKey()), (decision, failure) -> {
            if (failure != null) {
                throw refusal(failure);
            }
            start(async, resp, caller, request, fingerprint, idempotencyKey, reply, decision, then);
        }, decision -> limits.release(caller.clientKey(), decision));
    }

    /**
     * With the limits' {@code decision}: refuses with {@code 429 rate_limited}, or opens the stream. Either answer
     * carries {@code RateLimit-Policy} and {@code RateLimit}; a refusal also {@code Retry-After}. A start counted
     * by the limits but refused by the registry or the backend is taken back, and that refusal keeps its own code.
     */
    private void start(AsyncContext async, HttpServletResponse resp, ApiGate.Caller caller, ChatRequest request,
                       String fingerprint, String idempotencyKey, ConversationReply reply, Decision decision,
                       Opened then) throws ApiError, IOException {
        if (!decision.allowed()) {
            rateLimitFields(resp, caller.clientKey(), decision);
            throw Refusals.rateLimited(limits, decision);
        }
        AsyncSteps.after(async, resp, registry.openAsync(request, fingerprint, caller.clientKey(), caller.principal(),
                idempotencyKey, reply), (stream, failure) -> {
                    if (failure != null) {
                        limits.release(caller.clientKey(), decision);
                        throw refusal(failure);
                    }
                    rateLimitFields(resp, caller.clientKey(), decision);
                    then.opened(stream);
                }, stream -> {
                    if (stream instanceof ChatStream s) {
                        s.unattachedReaderLeft(); // no reader will come: the detach grace applies
                    }
                });
    }

    /** The answer to a failed step: a refusal's own, else logged and answered as a failure. */
    private ApiError refusal(Throwable failure) {
        Throwable cause = failure;
        if (cause instanceof StreamRegistry.RefusedException e) {
            return refusals.of(e.refusal());
        }
        if (cause instanceof BackendUnavailableException e) {
            return Refusals.backendUnavailable(e);
        }
        if (cause instanceof ApiError e) {
            return e;
        }
        LOG.log(Level.WARNING, "Starting a reply failed", cause);
        return Refusals.FAILED;
    }

    /** {@code RateLimit-Policy} and {@code RateLimit} (draft-ietf-httpapi-ratelimit-headers-12), where one is on. */
    private void rateLimitFields(HttpServletResponse resp, String clientKey, Decision decision) {
        String policy = RateLimitFields.policy(limits.limits(), clientKey);
        String current = RateLimitFields.current(decision, clientKey);
        if (policy != null && current != null) {
            resp.setHeader("RateLimit-Policy", policy);
            resp.setHeader("RateLimit", current);
        }
    }
}
