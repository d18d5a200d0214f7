package io.chatstream.limits;

/** The two limits on new replies, by the setting that sets them. */
public enum Limit {
    /** {@code chat.limits.replies-per-minute}: replies a client may start in any 60 s. */
    REPLIES_PER_MINUTE("replies-per-minute", "minute"),
    /** {@code chat.limits.tokens-per-day}: completion tokens a principal may receive per UTC day. */
    TOKENS_PER_DAY("tokens-per-day", "day");

    private final String wire;
    private final String policy;

    Limit(String wire, String policy) {
        this.wire = wire;
        this.policy = policy;
    }

    /** The setting's last part, and the {@code limit} label of {@code chat_rate_limited_total}. */
    public String wire() {
        return wire;
    }

    /** The policy's name in the {@code RateLimit-Policy} and {@code RateLimit} fields. */
    public String policy() {
        return policy;
    }
}
