package io.chatstream.event;

/** The {@code code} of an {@code error} event. */
public enum ErrorCode {
    /** The upstream answered badly, broke off, or sent an error object. */
    UPSTREAM_ERROR("upstream_error"),
    /** Nothing came from upstream for {@code chat.upstream.idle-timeout-seconds}. */
    UPSTREAM_TIMEOUT("upstream_timeout"),
    /** The upstream answered 429. */
    UPSTREAM_RATE_LIMITED("upstream_rate_limited"),
    /** The upstream answered 401 or 403: the key is wrong or lacks rights. */
    UPSTREAM_AUTH("upstream_auth"),
    /** The node that ran the generation went away (a cluster, {@code SPEC.md} section 10). */
    INTERRUPTED("interrupted"),
    /** A fault of this server; details go to its log, not to the client. */
    INTERNAL("internal");

    private final String wire;

    ErrorCode(String wire) {
        this.wire = wire;
    }

    /** The value on the wire. */
    public String wire() {
        return wire;
    }
}
