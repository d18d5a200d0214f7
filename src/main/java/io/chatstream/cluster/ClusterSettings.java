package io.chatstream.cluster;

import io.chatstream.config.Settings;

import java.time.Duration;

/**
 * The timing of a cluster ({@code SPEC.md} sections 6 and 10), read and validated at start like every setting.
 *
 * @param lease {@code chat.cluster.lease-seconds}: how long a node's lease lasts unrenewed, so how soon the readers
 *              of a vanished node's stream learn it; renewed every third of it
 * @param drain {@code chat.cluster.drain-seconds}: how long a stopping node keeps its running generations going
 */
public record ClusterSettings(Duration lease, Duration drain) {

    public static final ClusterSettings DEFAULTS = new ClusterSettings(Duration.ofSeconds(10), Duration.ofSeconds(120));

    public ClusterSettings {
        if (lease.isNegative() || lease.isZero() || drain.isNegative()) {
            throw new IllegalArgumentException("the lease must be positive and the drain time not negative");
        }
    }

    /** Reads both settings; a bad value throws a {@link io.chatstream.config.ConfigException} naming it. */
    public static ClusterSettings load(Settings s) {
        // a lease under a second would be renewed faster than a Redis outage is noticed; an hour is long past useful
        return new ClusterSettings(Duration.ofSeconds(s.integer("chat.cluster.lease-seconds", 10, 1, 3600)),
                Duration.ofSeconds(s.integer("chat.cluster.drain-seconds", 120, 0, 86_400)));
    }

    /** How often a node renews its lease: a third of it, so two renewals may fail before it lapses. */
    public Duration renewEvery() {
        return lease.dividedBy(3);
    }
}
