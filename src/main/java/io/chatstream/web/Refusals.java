package io.chatstream.web;

import io.chatstream.backend.BackendUnavailableException;
import io.chatstream.diagnostics.Diagnostics;
import io.chatstream.limits.Decision;
import io.chatstream.limits.ReplyLimits;
import io.chatstream.protocol.ApiError;
import io.chatstream.stream.StreamRegistry;

/**
 * The refusals of a request the API had let in, as the status, code, words and {@code Retry-After} its client reads
 * ({@code SPEC.md} section 5): the stream registry's, the limits on new replies, a backend that cannot be used, a
 * body that is too large or too slow, a connection test that has no place, and the webapp's stop. The deciding is
 * done elsewhere (the registry, the limits, the body's reader); here only the answer. What keeps a request out
 * before that has its answer where it is decided: the origin in {@link CorsFilter} ({@code 403}), the caller in
 * {@link ApiGate} ({@code 401}), a bad request where it is parsed ({@code 400}, {@code 404}, {@code 405}).
 */
final class Refusals {

    /** Answered to a request that came, or whose body was still coming in, while the webapp stops. */
    static final ApiError STOPPING = new ApiError(503, "unavailable", "The server is stopping; send the request"
            + " again.", 5);
    /** Answered when taking a request failed in a way the client cannot help: logged, and retried soon. */
    static final ApiError FAILED = new ApiError(503, "unavailable", "The server could not take this request now.", 1);

    /** The streams of the other nodes could not be asked: Redis is away, or slow. */
    static final ApiError CLUSTER_UNAVAILABLE = new ApiError(503, "unavailable", "The server cannot reach the"
            + " state its nodes share; send the request again.", 2);

    private final int maxStreamsPerClient;

    /** @param maxStreamsPerClient {@code chat.limits.max-streams-per-client}, which a 429 names */
    Refusals(int maxStreamsPerClient) {
        this.maxStreamsPerClient = maxStreamsPerClient;
    }

    /** The stream registry did not admit a generation, or refused an {@code Idempotency-Key}. */
    ApiError of(StreamRegistry.Refusal refusal) {
        return switch (refusal) {
            case TOO_MANY_FOR_CLIENT -> new ApiError(429, "too_many_streams", "You have " + maxStreamsPerClient
                    + " replies running; wait for one to end.", 5);
            case TOO_MANY -> new ApiError(503, "unavailable", "The server is at its limit of running replies.", 5);
            case KEY_REUSED -> new ApiError(422, "idempotency_key_reused", "This Idempotency-Key was used for"
                    + " another request; a retry must send the same body. Use a new key for a new request.");
            case UNAVAILABLE -> CLUSTER_UNAVAILABLE;
        };
    }

    /** The diagnostics had no place for another connection test. */
    static ApiError of(Diagnostics.Refusal refusal) {
        return switch (refusal) {
            case TOO_MANY_FOR_CLIENT -> new ApiError(429, "too_many_streams", "You have connection tests running;"
                    + " wait for one to end.", 10);
            case TOO_MANY -> new ApiError(503, "unavailable", "Too many connection tests are running; try again"
                    + " soon.", 10);
        };
    }

    /** The limits on new replies said no ({@code chat.limits.replies-per-minute}, {@code tokens-per-day}). */
    static ApiError rateLimited(ReplyLimits limits, Decision decision) {
        return new ApiError(429, "rate_limited", limits.message(decision), decision.retryAfterSeconds());
    }

    /** The backend cannot start a reply now (a missing key, an upstream known to be down). */
    static ApiError backendUnavailable(BackendUnavailableException e) {
        return new ApiError(503, "unavailable", "The model backend cannot be used now: " + e.getMessage(), 10);
    }

    static ApiError unsupportedType(String what) {
        return new ApiError(415, "unsupported_media_type", what + " takes Content-Type: application/json.");
    }

    static ApiError tooLarge(long limit) {
        return new ApiError(413, "payload_too_large", "The body is larger than " + limit + " bytes.");
    }

    static ApiError bodyTimedOut(long seconds) {
        return new ApiError(408, "request_timeout", "The request body did not arrive within " + seconds + " s.");
    }
}
