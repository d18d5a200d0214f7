package io.chatstream.backend;

/** The backend cannot start a reply now (not configured, shut down): the request is answered 503. */
public class BackendUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
