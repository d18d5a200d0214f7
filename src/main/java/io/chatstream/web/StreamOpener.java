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
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;

/**
 * Opens the stream of a new reply, for {@code POST /api/chat}, {@code GET /api/chat?prompt=} and a conversation's
 * messages alike: the repeat of an {@code Idempotency-Key} finds its retained stream; anything else asks the limits
 * on new replies ({@link ReplyLimits}), then the {@link StreamRegistry}, which admits the generation and starts it
 * on the backend. A repeat is no new reply: it is not counted.
 */
final class StreamOpener {

    private static final System.Logger LOG = System.getLogger(StreamOpener.class.getName());

    /** What is done with a reply's stream once it is open; an {@link ApiError} it throws is the answer. */
    interface Opened {
        void opened(ChatStream stream) throws ApiError, IOException;
    }

    /** A step of a request that may throw what the request answers. */
    private interface Step {
        void run() throws ApiError, IOException;
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
     * (which keeps its own {@link ChatStream#conversationReply()}), and hands it to {@code then}. Where the limits
     * need Redis, their answer completes later, on another thread, and the request continues on a container thread
     * then; until it does, no thread waits for it.
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
        ChatStream repeat;
        try {
            repeat = registry.findByIdempotencyKey(caller.clientKey(), idempotencyKey, compared);
        } catch (StreamRegistry.RefusedException e) {
            throw refusals.of(e.refusal());
        }
        if (repeat != null) {
            then.opened(repeat);
            return;
        }
        CompletableFuture<Decision> admission = limits.admit(caller.clientKey()).toCompletableFuture();
        if (admission.isDone()) {
            start(resp, caller, request, compared, idempotencyKey, reply, admission.join(), then);
            return;
        }
        admission.thenAccept(decision -> continueLater(async, resp, caller, decision, () ->
                start(resp, caller, request, compared, idempotencyKey, reply, decision, then)));
    }

    /** Runs {@code step} on a container thread; a request the container already ended gives its admission back. */
    private void continueLater(AsyncContext async, HttpServletResponse resp, ApiGate.Caller caller,
                               Decision decision, Step step) {
        try {
            async.start(() -> {
                try {
                    step.run();
                } catch (ApiError e) {
                    Responses.error(async, resp, e);
                } catch (IOException | RuntimeException e) {
                    LOG.log(Level.WARNING, "Starting a reply failed", e);
                    Responses.error(async, resp, Refusals.FAILED);
                }
            });
        } catch (IllegalStateException gone) {
            // the container ended the request while the limits were asked (client gone, webapp stopping)
            LOG.log(Level.DEBUG, () -> "A request ended before its admission came: " + gone);
            limits.release(caller.clientKey(), decision);
        }
    }

    /**
     * With the limits' {@code decision}: refuses with {@code 429 rate_limited}, or opens the stream. Either answer
     * carries {@code RateLimit-Policy} and {@code RateLimit}; a refusal also {@code Retry-After}. A start counted
     * by the limits but refused by the registry or the backend is taken back, and that refusal keeps its own code.
     */
    private void start(HttpServletResponse resp, ApiGate.Caller caller, ChatRequest request, String fingerprint,
                       String idempotencyKey, ConversationReply reply, Decision decision, Opened then)
            throws ApiError, IOException {
        if (!decision.allowed()) {
            rateLimitFields(resp, caller.clientKey(), decision);
            throw Refusals.rateLimited(limits, decision);
        }
        ChatStream stream;
        try {
            stream = registry.open(request, fingerprint, caller.clientKey(), caller.principal(), idempotencyKey,
                    reply);
        } catch (StreamRegistry.RefusedException e) {
            limits.release(caller.clientKey(), decision);
            throw refusals.of(e.refusal());
        } catch (BackendUnavailableException e) {
            limits.release(caller.clientKey(), decision);
            throw Refusals.backendUnavailable(e);
        }
        rateLimitFields(resp, caller.clientKey(), decision);
        then.opened(stream);
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
