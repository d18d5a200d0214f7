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
