package io.chatstream.limits;

import io.chatstream.testing.Await;
import io.chatstream.cluster.RedisConnection;
import io.chatstream.cluster.RedisServer;
import io.chatstream.cluster.RedisUrl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The limits counted in a real {@code redis-server}, by two limiters with two connections, as two nodes would; and
 * failing open when Redis is gone.
 */
@Timeout(60)
class RedisRateLimiterTest {

    private static RedisServer redis;
    private static ScheduledExecutorService scheduler;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(RedisServer.available() || System.getenv("CI") != null, "redis-server is not installed");
        redis = RedisServer.start();
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void stop() throws Exception {
        if (redis != null) {
            redis.close();
            scheduler.shutdownNow();
        }
    }

    private static RedisConnection connect() {
        RedisConnection c = RedisConnection.open(RedisUrl.parse(redis.url()), scheduler);
        assertTrue(Await.until(Duration.ofSeconds(10), () -> c.async() != null), "connected");
        return c;
    }

    private static Decision acquire(RateLimiter l, String client) throws Exception {
        return l.acquire(client).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static Decision.State state(Decision d, Limit limit) {
        return d.states().stream().filter(s -> s.limit() == limit).findFirst().orElseThrow();
    }

    @Test
    void twoNodesShareOneWindow() throws Exception {
        try (RedisConnection a = connect(); RedisConnection b = connect()) {
            Limits limits = new Limits(3, 0);
            RateLimiter nodeA = new RedisRateLimiter(limits, a);
            RateLimiter nodeB = new RedisRateLimiter(limits, b);
            String client = "shared-window-" + System.nanoTime();
            assertTrue(acquire(nodeA, client).allowed());
            assertTrue(acquire(nodeB, client).allowed());
            Decision third = acquire(nodeA, client);
            assertTrue(third.allowed());
            assertEquals(0, state(third, Limit.REPLIES_PER_MINUTE).remaining());
            Decision refused = acquire(nodeB, client);
            assertFalse(refused.allowed(), "the fourth start in a minute, on the other node");
            assertEquals(Limit.REPLIES_PER_MINUTE, refused.refusedBy());
            assertTrue(refused.retryAfterSeconds() >= 59 && refused.retryAfterSeconds() <= 60,
                    "the first start is a moment old: " + refused.retryAfterSeconds());
            assertTrue(acquire(nodeA, "another-" + client).allowed(), "another client has its own window");
            nodeA.release(client, third);
            assertTrue(Await.until(Duration.ofSeconds(5), () -> {
                try {
                    return acquire(nodeB, client).allowed();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }), "a released start frees its place on every node");
        }
    }

    @Test
    void concurrentStartsNeverExceedTheLimit() throws Exception {
        try (RedisConnection a = connect(); RedisConnection b = connect()) {
            Limits limits = new Limits(5, 0);
            RateLimiter nodeA = new RedisRateLimiter(limits, a);
            RateLimiter nodeB = new RedisRateLimiter(limits, b);
            String client = "race-" + System.nanoTime();
            List<CompletableFuture<Decision>> all = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                all.add((i % 2 == 0 ? nodeA : nodeB).acquire(client).toCompletableFuture());
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            assertEquals(5, all.stream().filter(f -> f.join().allowed()).count(), "the script is atomic");
        }
    }

    @Test
    void theDayIsCountedInRedisAndExpiresAtMidnightUtc() throws Exception {
        try (RedisConnection a = connect(); RedisConnection b = connect()) {
            Limits limits = new Limits(0, 100);
            RateLimiter nodeA = new RedisRateLimiter(limits, a);
            RateLimiter nodeB = new RedisRateLimiter(limits, b);
            String client = "day-" + System.nanoTime();
            assertTrue(acquire(nodeA, client).allowed());
            nodeA.spent(client, 60);
            assertTrue(Await.until(Duration.ofSeconds(5), () -> {
                try {
                    Decision d = acquire(nodeB, client);
                    return d.allowed() && state(d, Limit.TOKENS_PER_DAY).remaining() == 40;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }), "the other node's tokens count here");
            nodeB.spent(client, 45);
            assertTrue(Await.until(Duration.ofSeconds(5), () -> {
                try {
                    return !acquire(nodeA, client).allowed();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
            Decision refused = acquire(nodeA, client);
            assertEquals(Limit.TOKENS_PER_DAY, refused.refusedBy());
            long untilMidnight = Duration.between(Instant.now(),
                    Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS).plus(Duration.ofDays(1)))
                    .toSeconds();
            assertTrue(Math.abs(refused.retryAfterSeconds() - untilMidnight) <= 2,
                    refused.retryAfterSeconds() + " vs " + untilMidnight);
            String key = "chat:limits:{" + RedisRateLimiter.tag(client) + "}:tokens";
            assertEquals("105", a.async().get(key).get(5, TimeUnit.SECONDS));
            long ttl = a.async().ttl(key).get(5, TimeUnit.SECONDS);
            assertTrue(Math.abs(ttl - untilMidnight) <= 2, "EXPIREAT the next 00:00 UTC: " + ttl);
        }
    }

    @Test
    void theKeysOfAClientShareOneClusterSlotAndHoldNoAddress() {
        String tag = RedisRateLimiter.tag("203.0.113.5");
        assertTrue(tag.matches("[0-9a-f]{16}"), tag);
        assertFalse(tag.contains("203"));
    }

    @Test
    void withoutRedisRepliesGoThroughAtOnce() throws Exception {
        try (RedisServer gone = RedisServer.start()) {
            RedisConnection c = RedisConnection.open(RedisUrl.parse(gone.url()), scheduler);
            assertTrue(Await.until(Duration.ofSeconds(10), () -> c.async() != null));
            RateLimiter limiter = new RedisRateLimiter(new Limits(1, 10), c);
            assertTrue(acquire(limiter, "x").allowed());
            assertFalse(acquire(limiter, "x").allowed());
            gone.stop();
            long t0 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                Decision d = limiter.acquire("x").toCompletableFuture().get(2, TimeUnit.SECONDS);
                assertSame(Decision.UNLIMITED, d, "fails open while Redis is away");
            }
            limiter.spent("x", 5);
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 5 * 600,
                    "each answer within the command timeout");
            c.close();
        }
    }
}
