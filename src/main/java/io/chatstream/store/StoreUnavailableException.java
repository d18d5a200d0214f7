package io.chatstream.store;

/**
 * The database could not be reached or refused the work, or the store's queue is full: a {@code 503} for the
 * request, a retry for a reply being saved. The message names no secret (it never holds a URL or password).
 */
public final class StoreUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
