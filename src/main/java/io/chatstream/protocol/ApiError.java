package io.chatstream.protocol;

/**
 * An error answered before a stream starts ({@code SPEC.md} section 5): an HTTP status and
 * {@code {"error":{"code":"...","message":"..."}}}. The message is for people and never holds secrets.
 */
public final class ApiError extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final long retryAfterSeconds;

    public ApiError(int status, String code, String message) {
        this(status, code, message, -1);
    }

    public ApiError(int status, String code, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiError invalid(String message) {
        return new ApiError(400, "invalid_request", message);
    }

    public static ApiError notFound() {
        return new ApiError(404, "not_found", "No such stream: it never existed, has expired, or is not yours.");
    }

    /**
     * The error for a status the container chose itself (a refused method, an oversized request): its message says
     * what the status means and nothing of the container.
     */
    public static ApiError forStatus(int status) {
        return switch (status) {
            case 400 -> invalid("The request is malformed.");
            case 401 -> new ApiError(401, "unauthorized", "Log in first.");
            case 403 -> new ApiError(403, "forbidden", "This request is not allowed.");
            case 404 -> new ApiError(404, "not_found", "No such API path.");
            case 405 -> new ApiError(405, "method_not_allowed", "This path does not take this method.");
            case 408 -> new ApiError(408, "request_timeout", "The request did not arrive in time.");
            case 413 -> new ApiError(413, "payload_too_large", "The request is too large.");
            case 415 -> new ApiError(415, "unsupported_media_type", "This media type is not accepted.");
            case 503 -> new ApiError(503, "unavailable", "The server cannot take this request now.", 5);
            default -> status < 500 ? new ApiError(status, "invalid_request", "The request cannot be answered.")
                    : new ApiError(status, "internal", "The server could not answer this request.");
        };
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** Seconds for a {@code Retry-After} header, or -1 for none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The response body. */
    public byte[] body() {
        io.chatstream.wire.ByteSink out = new io.chatstream.wire.ByteSink(64 + getMessage().length());
        out.ascii("{\"error\":{\"code\":");
        io.chatstream.wire.EventJson.string(out, code);
        out.ascii(",\"message\":");
        io.chatstream.wire.EventJson.string(out, getMessage());
        out.ascii("}}");
        return out.toByteArray();
    }
}
