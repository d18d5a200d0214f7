package io.chatstream.limits;

import io.chatstream.config.Settings;

import java.time.Duration;

/**
 * The limits on new replies ({@code SPEC.md} sections 5 and 6), read and validated at start like every setting.
 * {@code 0} turns a limit off, and both are off by default.
 *
 * @param repliesPerMinute {@code chat.limits.replies-per-minute}: replies a client may start in any 60 s
 * @param tokensPerDay     {@code chat.limits.tokens-per-day}: completion tokens a principal may receive per UTC day
 */
public record Limits(int repliesPerMinute, long tokensPerDay) {

    /** The length of the sliding window of {@code replies-per-minute}. */
    public static final Duration WINDOW = Duration.ofSeconds(60);

    /** No limit at all. */
    public static final Limits NONE = new Limits(0, 0);

    /** Reads both settings; a bad value throws a {@link io.chatstream.config.ConfigException} naming it. */
    public static Limits load(Settings s) {
        return new Limits(s.integer("chat.limits.replies-per-minute", 0, 0, 1_000_000),
                s.longValue("chat.limits.tokens-per-day", 0, 0, 1_000_000_000_000L));
    }

    /** True when at least one limit is on. */
    public boolean enabled() {
        return repliesPerMinute > 0 || tokensPerDay > 0;
    }
}
