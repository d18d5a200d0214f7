package io.chatstream.store;

/** A message id that is not one of the conversation's: a {@code 400}, since the conversation itself exists. */
public final class UnknownMessageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public UnknownMessageException(String message) {
        super(message, null, false, false);
    }
}
