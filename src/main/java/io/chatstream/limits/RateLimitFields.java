package io.chatstream.limits;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The {@code RateLimit-Policy} and {@code RateLimit} fields of draft-ietf-httpapi-ratelimit-headers-12 (Structured
 * Field Lists whose members are Strings naming a policy), for the limits that are on:
 *
 * <pre>
 * RateLimit-Policy: "minute";q=10;w=60;pk=:Xr1Zk6Yq9b0A:, "day";q=100000;w=86400;pk=:Xr1Zk6Yq9b0A:
 * RateLimit: "minute";r=0;t=12;pk=:Xr1Zk6Yq9b0A:, "day";r=99120;t=34017;pk=:Xr1Zk6Yq9b0A:
 * </pre>
 *
 * {@code q} is the quota, {@code w} the window in seconds, {@code r} what remains, {@code t} the seconds until it
 * frees up. {@code pk}, the partition key (a Byte Sequence), tells the client its quota is its own: the first 9 bytes
 * of the SHA-256 of its client key, so an address or user name is not echoed. The day's quota counts completion
 * tokens; the draft's quota-unit registry has no such unit, so {@code qu} is left out rather than misnamed.
 * Pure text, no I/O.
 */
public final class RateLimitFields {

    private RateLimitFields() {
    }

    /** {@code RateLimit-Policy}, or null when no limit is on. */
    public static String policy(Limits limits, String clientKey) {
        StringBuilder b = new StringBuilder(96);
        String pk = partitionKey(clientKey);
        if (limits.repliesPerMinute() > 0) {
            b.append("\"minute\";q=").append(limits.repliesPerMinute()).append(";w=")
                    .append(Limits.WINDOW.toSeconds()).append(";pk=").append(pk);
        }
        if (limits.tokensPerDay() > 0) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append("\"day\";q=").append(limits.tokensPerDay()).append(";w=86400;pk=").append(pk);
        }
        return b.length() == 0 ? null : b.toString();
    }

    /** {@code RateLimit}, or null when the decision carries no limit. */
    public static String current(Decision decision, String clientKey) {
        if (decision.states().isEmpty()) {
            return null;
        }
        String pk = partitionKey(clientKey);
        StringBuilder b = new StringBuilder(80);
        for (Decision.State s : decision.states()) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append('"').append(s.limit().policy()).append("\";r=").append(s.remaining()).append(";t=")
                    .append(s.resetSeconds()).append(";pk=").append(pk);
        }
        return b.toString();
    }

    /** {@code :base64:} of the first 9 bytes of SHA-256(client key): 12 characters, no padding. */
    static String partitionKey(String clientKey) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(clientKey.getBytes(StandardCharsets.UTF_8));
            return ":" + Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(d, 9)) + ":";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
