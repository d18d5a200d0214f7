package io.chatstream.limits;

import io.chatstream.cluster.RedisConnection;
import io.chatstream.cluster.RedisScript;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The limits of a cluster, counted in Redis so that every node sees the same counts. Each check is one Lua script,
 * which Redis runs atomically, on Redis' own clock ({@code TIME}), so the nodes' clocks need not agree:
 *
 * <ul>
 *   <li>the window: a sorted set of start times per client ({@code chat:limits:{c}:starts}), scored in
 *       milliseconds; the starts 60 s old or older are removed, the rest counted, the new one added when both
 *       limits allow; the same exact rule as {@link InMemoryRateLimiter};</li>
 *   <li>the day: a counter per client ({@code chat:limits:{c}:tokens}), {@code INCRBY} at the end of each reply and
 *       {@code EXPIREAT} the next 00:00 UTC, so it is gone when the day turns.</li>
 * </ul>
 *
 * {@code {c}} is a hash tag, the first 16 hex digits of the SHA-256 of the client key: both keys of a client share a
 * Redis Cluster slot (a script may only touch keys of one slot), and no address or user name is written into Redis.
 *
 * <p>No thread waits: the scripts' answers complete futures. A node that cannot reach Redis, or gets no answer
 * within {@link RedisConnection#COMMAND_TIMEOUT}, lets the request through ({@link Decision#UNLIMITED}) and drops
 * the tokens it could not add: the limits fail open for as long as Redis is away, which
 * {@link RedisConnection} logs once.
 */
public final class RedisRateLimiter implements RateLimiter {

    static final String ACQUIRE = String.join("\n",
            "local t = redis.call('TIME')",
            "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
            "local window = tonumber(ARGV[1])",
            "local limit = tonumber(ARGV[2])",
            "local quota = tonumber(ARGV[3])",
            "local used = 0",
            "if quota > 0 then used = tonumber(redis.call('GET', KEYS[2]) or '0') end",
            "local count = 0",
            "local oldest = 0",
            "if limit > 0 then",
            "  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)",
            "  count = redis.call('ZCARD', KEYS[1])",
            "end",
            "local admit = (limit == 0 or count < limit) and (quota == 0 or used < quota)",
            "if admit and limit > 0 then",
            "  redis.call('ZADD', KEYS[1], now, ARGV[4])",
            "  redis.call('PEXPIRE', KEYS[1], window)",
            "  count = count + 1",
            "end",
            "if count > 0 then oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]) end",
            "return {admit and 1 or 0, count, oldest, now, used}");

    static final String SPEND = String.join("\n",
            "local t = tonumber(redis.call('TIME')[1])",
            "local v = redis.call('INCRBY', KEYS[1], ARGV[1])",
            "redis.call('EXPIREAT', KEYS[1], (math.floor(t / 86400) + 1) * 86400)",
            "return v");

    private final Limits limits;
    private final RedisConnection redis;
    private final RedisScript acquire = new RedisScript(ACQUIRE);
    private final RedisScript spend = new RedisScript(SPEND);
    /** Unique members of the sorted sets: two starts of one client in the same millisecond are two entries. */
    private final String node = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong starts = new AtomicLong();

    public RedisRateLimiter(Limits limits, RedisConnection redis) {
        this.limits = limits;
        this.redis = redis;
    }

    @Override
    public CompletionStage<Decision> acquire(String clientKey) {
        String tag = tag(clientKey);
        String member = node + ':' + starts.incrementAndGet();
        String[] keys = {"chat:limits:{" + tag + "}:starts", "chat:limits:{" + tag + "}:tokens"};
        CompletableFuture<List<Object>> answer = acquire.multi(redis.async(), keys,
                Long.toString(Limits.WINDOW.toMillis()), Integer.toString(limits.repliesPerMinute()),
                Long.toString(limits.tokensPerDay()), member);
        return answer.handle((r, t) -> {
            if (t != null || r == null || r.size() < 5) {
                redis.failed(t == null ? "an unexpected answer" : describe(t));
                return Decision.UNLIMITED;
            }
            redis.answered();
            boolean admitted = ((Long) r.get(0)) == 1L;
            return Decision.of(limits, admitted, (Long) r.get(1), (Long) r.get(2), (Long) r.get(3),
                    (Long) r.get(4), admitted ? member : null);
        });
    }

    @Override
    public void release(String clientKey, Decision decision) {
        RedisAsyncCommands<String, String> c = redis.async();
        if (c != null && decision.ticket() instanceof String member) {
            c.zrem("chat:limits:{" + tag(clientKey) + "}:starts", member).whenComplete((n, t) -> {
                if (t != null) {
                    redis.failed(describe(t));
                }
            });
        }
    }

    @Override
    public void spent(String clientKey, long tokens) {
        if (limits.tokensPerDay() == 0 || tokens <= 0) {
            return;
        }
        String[] keys = {"chat:limits:{" + tag(clientKey) + "}:tokens"};
        spend.integer(redis.async(), keys, Long.toString(tokens))
                .whenComplete((r, t) -> {
                    if (t != null) {
                        redis.failed(describe(t));
                    } else {
                        redis.answered();
                    }
                });
    }

    /** The hash tag of a client: 16 hex digits of SHA-256. */
    static String tag(String clientKey) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(clientKey.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** The words for a failed command, for the one log line of an outage. */
    private static String describe(Throwable t) {
        Throwable u = unwrap(t);
        return u.getClass().getSimpleName() + (u.getMessage() != null ? ": " + u.getMessage() : "");
    }
}
