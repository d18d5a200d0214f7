package io.chatstream.config;

import java.time.Duration;
import java.util.List;

/**
 * The server's own settings, read once at start and validated ({@code SPEC.md} section 6). Backend settings
 * ({@code chat.openai.*}, {@code chat.ollama.*}, a custom backend's) are read by the backend from {@link Settings}.
 *
 * @param backend              {@code chat.backend}
 * @param keepAlive            {@code chat.sse.keepalive-seconds}
 * @param retryMillis          {@code chat.sse.retry-millis}
 * @param maxBacklogBytes      {@code chat.sse.max-backlog-bytes}: a reader further behind than this, with its
 *                             socket not taking bytes, is dropped (it may resume)
 * @param stallTimeout         {@code chat.sse.stall-timeout-seconds}: a reader whose socket took nothing for this
 *                             long is dropped
 * @param minWriteInterval     {@code chat.sse.min-write-interval-millis}: events that come sooner than this after
 *                             the last write to a connection wait for it and share one write; 0: write each at once
 * @param retain               {@code chat.stream.retain-seconds}
 * @param detachGrace          {@code chat.stream.detach-grace-seconds}
 * @param maxDuration          {@code chat.stream.max-duration-seconds}
 * @param maxStreamBytes       {@code chat.stream.max-bytes}: the most one stream keeps; a reply that outgrows it
 *                             ends with {@code finish_reason: "length"}
 * @param corsAllowedOrigins   {@code chat.cors.allowed-origins}
 * @param corsAllowCredentials {@code chat.cors.allow-credentials}
 * @param maxBodyBytes         {@code chat.limits.max-body-bytes}
 * @param maxStreams           {@code chat.limits.max-streams}
 * @param maxStreamsPerClient  {@code chat.limits.max-streams-per-client}
 * @param maxMessages          {@code chat.limits.max-messages}
 * @param bodyTimeout          {@code chat.limits.body-timeout-seconds}: a request body not complete this long after
 *                             its head is answered 408, whatever the container's idle timeout
 * @param trustedProxies       {@code chat.limits.trusted-proxies}: IP addresses and CIDR blocks
 *                             ({@link AddressRange}) of the reverse proxies whose {@code X-Forwarded-For} is believed
 * @param authMode             {@code chat.auth.mode}
 * @param authTokens           {@code chat.auth.tokens}
 * @param metricsAccess        {@code chat.metrics.access}: {@code api} (same auth as the API), {@code open},
 *                             {@code off}
 * @param schedulerThreads     {@code chat.scheduler.threads}
 * @param serverPort           {@code chat.server.port} (dev server only)
 */
public record ChatConfig(
        String backend,
        Duration keepAlive,
        long retryMillis,
        long maxBacklogBytes,
        Duration stallTimeout,
        Duration minWriteInterval,
        Duration retain,
        Duration detachGrace,
        Duration maxDuration,
        long maxStreamBytes,
        List<String> corsAllowedOrigins,
        boolean corsAllowCredentials,
        long maxBodyBytes,
        int maxStreams,
        int maxStreamsPerClient,
        int maxMessages,
        Duration bodyTimeout,
        List<String> trustedProxies,
        AuthMode authMode,
        List<String> authTokens,
        MetricsAccess metricsAccess,
        int schedulerThreads,
        int serverPort) {

    /** {@code chat.auth.mode}. */
    public enum AuthMode {
        NONE, TOKEN, CONTAINER
    }

    /** {@code chat.metrics.access}: who may read {@code GET /api/metrics}. */
    public enum MetricsAccess {
        /** Whoever may use the API, as {@code chat.auth.mode} says. */
        API,
        /** Anyone (a scraper inside the network). */
        OPEN,
        /** No one: the path is a 404 like any unknown API path. */
        OFF
    }

    private static final int DAY = 86_400;

    /** Reads and validates every setting; throws {@link ConfigException} naming the first bad one. */
    public static ChatConfig load(Settings s) {
        String backend = s.string("chat.backend", "demo");
        if (backend.isEmpty()) {
            throw s.invalid("chat.backend", "a backend name such as demo, openai or ollama");
        }
        List<String> origins = s.list("chat.cors.allowed-origins");
        boolean credentials = s.bool("chat.cors.allow-credentials", false);
        if (origins.contains("*") && credentials) {
            throw new ConfigException("Invalid settings: chat.cors.allowed-origins=* together with "
                    + "chat.cors.allow-credentials=true would let every site act with a user's credentials; "
                    + "name the allowed origins, or turn credentials off");
        }
        for (String origin : origins) {
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
                throw s.invalid("chat.cors.allowed-origins",
                        "a comma list of exact origins such as https://portal.example.com (scheme, host, port; no"
                                + " path), or *");
            }
        }
        AuthMode authMode = s.option("chat.auth.mode", AuthMode.NONE);
        List<String> tokens = s.list("chat.auth.tokens");
        if (authMode == AuthMode.TOKEN && tokens.isEmpty()) {
            throw new ConfigException("Invalid settings: chat.auth.mode=token needs chat.auth.tokens, a comma list of"
                    + " accepted bearer tokens");
        }
        List<String> trustedProxies = s.list("chat.limits.trusted-proxies");
        for (String proxy : trustedProxies) {
            try {
                AddressRange.parse(proxy);
            } catch (IllegalArgumentException e) {
                throw s.invalid("chat.limits.trusted-proxies", "a comma list of IP addresses or CIDR blocks of"
                        + " reverse proxies, such as 10.0.0.5, 10.1.0.0/16, ::1 (no host names)");
            }
        }
        return new ChatConfig(
                backend,
                Duration.ofSeconds(s.integer("chat.sse.keepalive-seconds", 15, 1, DAY)),
                s.longValue("chat.sse.retry-millis", 3000, 0, 3_600_000),
                s.longValue("chat.sse.max-backlog-bytes", 1 << 20, 1024, 1L << 30),
                Duration.ofSeconds(s.integer("chat.sse.stall-timeout-seconds", 30, 1, DAY)),
                Duration.ofMillis(s.integer("chat.sse.min-write-interval-millis", 10, 0, 1000)),
                Duration.ofSeconds(s.integer("chat.stream.retain-seconds", 300, 0, 7 * DAY)),
                Duration.ofSeconds(s.integer("chat.stream.detach-grace-seconds", 15, 0, DAY)),
                Duration.ofSeconds(s.integer("chat.stream.max-duration-seconds", 600, 1, 7 * DAY)),
                s.longValue("chat.stream.max-bytes", 8L << 20, 4096, 1L << 30),
                origins,
                credentials,
                s.longValue("chat.limits.max-body-bytes", 1_048_576, 1, 1L << 30),
                s.integer("chat.limits.max-streams", 10_000, 1, 10_000_000),
                s.integer("chat.limits.max-streams-per-client", 8, 1, 10_000_000),
                s.integer("chat.limits.max-messages", 1000, 1, 1_000_000),
                Duration.ofSeconds(s.integer("chat.limits.body-timeout-seconds", 30, 1, 3600)),
                trustedProxies,
                authMode,
                tokens,
                s.option("chat.metrics.access", MetricsAccess.API),
                s.integer("chat.scheduler.threads", Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())),
                        1, 256),
                s.integer("chat.server.port", 8080, 0, 65535));
    }
}
