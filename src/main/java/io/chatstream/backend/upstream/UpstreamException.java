package io.chatstream.backend.upstream;

import io.chatstream.event.ErrorCode;

import java.util.Objects;

/**
 * The upstream response cannot be used: a decoder throws it from {@link BodyDecoder#feed} or
 * {@link BodyDecoder#finish}, and {@link UpstreamCall} turns it into the reply's one {@code error} event. The message
 * says what went wrong without naming the upstream (the call adds that) and never holds a key.
 */
public final class UpstreamException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public UpstreamException(ErrorCode code, String message) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** An {@code upstream_error}: the upstream broke the protocol or reported an error. */
    public static UpstreamException malformed(String message) {
        return new UpstreamException(ErrorCode.UPSTREAM_ERROR, message);
    }

    public ErrorCode code() {
        return code;
    }
}
