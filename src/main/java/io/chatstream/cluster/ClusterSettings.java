package io.chatstream.cluster;

import io.chatstream.config.Settings;

import java.time.Duration;

/**
 * The settings of a cluster ({@code SPEC.md} sections 6 and 10), read and validated at start like every setting.
 *
 * @param lease  {@code chat.cluster.lease-seconds}: how long a node's lease lasts unrenewed, so how soon the readers
 *               of a vanished node's stream learn it; renewed every third of it
 * @param drain  {@code chat.cluster.drain-seconds}: how long a stopping node keeps its running generations going
 * @param outage {@code chat.cluster.outage-seconds}: how long Redis may be unreachable before the streams whose
 *               events cannot be written or read end with {@code error} / {@code internal}
 */
public record ClusterSettings(Duration lease, Duration drain, Duration outage) {

    /** The setting whose value is the Redis URL; empty: one node. */
    public static final String REDIS_URL = "chat.cluster.redis-url";
    public static final ClusterSettings DEFAULTS = new ClusterSettings(Duration.ofSeconds(10), Duration.ofSeconds(120),
            Duration.ofSeconds(30));

    public ClusterSettings {
        if (lease.isNegative() || lease.isZero() || drain.isNegative() || outage.isNegative() || outage.isZero()) {
            throw new IllegalArgumentException("the lease and the outage bound must be positive, the drain time not"
                    + " negative");
        }
    }

    /** Reads the timing settings; a bad value throws a {@link io.chatstream.config.ConfigException} naming it. */
    public static ClusterSettings load(Settings s) {
        // a lease under a second would be renewed faster than a Redis outage is noticed; an hour is long past useful.
        // An outage of up to 10 s must end no stream (SPEC section 10): the bound is above it
        return new ClusterSettings(Duration.ofSeconds(s.integer("chat.cluster.lease-seconds", 10, 1, 3600)),
                Duration.ofSeconds(s.integer("chat.cluster.drain-seconds", 120, 0, 86_400)),
                Duration.ofSeconds(s.integer("chat.cluster.outage-seconds", 30, 11, 86_400)));
    }

    /**
     * {@code chat.cluster.redis-url}, parsed; null when unset or empty (one node). A malformed one throws a
     * {@link io.chatstream.config.ConfigException} naming the setting and what it takes, never the password.
     */
    public static RedisUrl redisUrl(Settings s) {
        String raw = s.string(REDIS_URL, "");
        if (raw.isEmpty()) {
            return null;
        }
        try {
            return RedisUrl.parse(raw);
        } catch (IllegalArgumentException e) {
            throw s.invalid(REDIS_URL, "redis://[user:password@]host:port[/db] or rediss://... (" + e.getMessage()
                    + ")");
        }
    }

    /** How often a node renews its lease: a third of it, so two renewals may fail before it lapses. */
    public Duration renewEvery() {
        return lease.dividedBy(3);
    }
}
