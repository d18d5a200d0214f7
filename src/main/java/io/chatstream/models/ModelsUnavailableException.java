package io.chatstream.models;

/**
 * The backend could not list its models (the provider failed, answered nothing in time, or the backend cannot list):
 * {@code GET /api/models} answers {@code 503 unavailable} with {@code Retry-After}. The message is for people and
 * holds no upstream text.
 */
public final class ModelsUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    private final long retryAfterSeconds;

    ModelsUnavailableException(String message, long retryAfterSeconds, Throwable cause) {
        super(message, cause);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** When asking again can give another answer: the failure is kept that long. At least 1. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
