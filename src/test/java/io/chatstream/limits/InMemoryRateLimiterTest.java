package io.chatstream.limits;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The window and the day on a manual clock: exact at the boundary, exact waits, the day turning at 00:00 UTC. */
class InMemoryRateLimiterTest {

    private static final Instant NOON = Instant.parse("2026-12-03T12:00:00Z");

    private final ManualClock clock = new ManualClock(NOON);

    private static Decision.State state(Decision d, Limit limit) {
        return d.states().stream().filter(s -> s.limit() == limit).findFirst().orElseThrow();
    }

    @Test
    void theNPlusFirstStartWithin60SecondsIsRefusedAndAcceptedAtExactly60() {
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(new Limits(3, 0), clock);
        for (int i = 0; i < 3; i++) {
            Decision d = limiter.decide("a");
            assertTrue(d.allowed());
            assertEquals(2 - i, state(d, Limit.REPLIES_PER_MINUTE).remaining());
            clock.advance(Duration.ofSeconds(1));
        }
        clock.set(NOON.plusMillis(59_999));
        Decision refused = limiter.decide("a");
        assertFalse(refused.allowed(), "the 4th start 59.999 s after the first");
        assertEquals(Limit.REPLIES_PER_MINUTE, refused.refusedBy());
        assertEquals(1, refused.retryAfterSeconds(), "1 ms to go, rounded up");
        assertNull(refused.ticket(), "a refusal counts nothing");
        clock.set(NOON.plusSeconds(60));
        Decision accepted = limiter.decide("a");
        assertTrue(accepted.allowed(), "the first start left the window at exactly 60 s");
        assertEquals(0, state(accepted, Limit.REPLIES_PER_MINUTE).remaining());
        assertFalse(limiter.decide("a").allowed(), "the second start is still in the window");
    }

    @Test
    void retryAfterIsTheWaitUntilTheOldestStartLeavesRoundedUp() {
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(new Limits(2, 0), clock);
        limiter.decide("a");
        clock.advance(Duration.ofMillis(10_500));
        limiter.decide("a");
        clock.advance(Duration.ofMillis(37_200)); // 47.7 s after the first start
        Decision d = limiter.decide("a");
        assertFalse(d.allowed());
        assertEquals(13, d.retryAfterSeconds(), "12.3 s until the first start is 60 s old");
        assertEquals(13, state(d, Limit.REPLIES_PER_MINUTE).resetSeconds());
        assertEquals(0, state(d, Limit.REPLIES_PER_MINUTE).remaining());
        clock.advance(Duration.ofSeconds(13));
        assertTrue(limiter.decide("a").allowed(), "accepted after Retry-After");
        Decision again = limiter.decide("a");
        assertEquals(10, again.retryAfterSeconds(), "now the second start is the oldest: 9.8 s to go, rounded up");
    }

    @Test
    void refusedRequestsDoNotFillTheWindow() {
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(new Limits(1, 0), clock);
        assertTrue(limiter.decide("a").allowed());
        for (int i = 0; i < 50; i++) {
            clock.advance(Duration.ofMillis(1000));
            assertFalse(limiter.decide("a").allowed());
        }
        clock.set(NOON.plusSeconds(60));
        assertTrue(limiter.decide("a").allowed(), "the refusals were never counted");
    }

    @Test
    void clientsAreCountedApart() {
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(new Limits(1, 0), clock);
        assertTrue(limiter.decide("a").allowed());
        assertTrue(limiter.decide("b").allowed());
        assertFalse(limiter.decide("a").allowed());
        assertFalse(limiter.decide("b").allowed());
    }

    @Test
    void aReleasedStartNoLongerCounts() {
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(new Limits(1, 0), clock);
        Decision d = limiter.decide("a");
        assertFalse(limiter.decide("a").allowed());
        limiter.release("a", d);
        assertTrue(limiter.decide("a").allowed());
    }

    @Test
    void theDayRefusesTheReplyAfterTheOneThatCrossedItUntilMidnightUtc() {
        clock.set(Instant.parse("2026-12-03T23:59:00Z"));
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(new Limits(0, 100), clock);
        assertTrue(limiter.decide("p").allowed());
        limiter.spent("p", 99);
        Decision under = limiter.decide("p");
        assertTrue(under.allowed(), "one token left: the reply may start and take as many as it needs");
        assertEquals(1, state(under, Limit.TOKENS_PER_DAY).remaining());
        limiter.spent("p", 40);
        Decision refused = limiter.decide("p");
        assertFalse(refused.allowed());
        assertEquals(Limit.TOKENS_PER_DAY, refused.refusedBy());
        assertEquals(60, refused.retryAfterSeconds(), "until 00:00 UTC");
        assertEquals(0, state(refused, Limit.TOKENS_PER_DAY).remaining());
        clock.set(Instant.parse("2026-12-03T23:59:59.999Z"));
        assertEquals(1, limiter.decide("p").retryAfterSeconds(), "1 ms to midnight, rounded up");
        clock.set(Instant.parse("2026-12-04T00:00:00Z"));
        Decision nextDay = limiter.decide("p");
        assertTrue(nextDay.allowed(), "the day turned");
        assertEquals(100, state(nextDay, Limit.TOKENS_PER_DAY).remaining());
        assertEquals(86_400, state(nextDay, Limit.TOKENS_PER_DAY).resetSeconds());
    }

    @Test
    void whenBothRefuseRetryAfterIsTheLongerWait() {
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(new Limits(1, 10), clock);
        assertTrue(limiter.decide("p").allowed());
        limiter.spent("p", 10);
        Decision d = limiter.decide("p");
        assertEquals(Limit.TOKENS_PER_DAY, d.refusedBy());
        assertEquals(12 * 3600, d.retryAfterSeconds(), "noon to midnight, not the minute");
    }

    @Test
    void aSpentDayDoesNotFillTheWindow() {
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(new Limits(2, 10), clock);
        limiter.spent("p", 10);
        assertFalse(limiter.decide("p").allowed());
        clock.set(Instant.parse("2026-12-04T00:00:00Z"));
        assertTrue(limiter.decide("p").allowed());
        assertTrue(limiter.decide("p").allowed(), "the refused request took no place in the window");
    }

    @Test
    void sweepForgetsIdleClientsButKeepsTodaysTokens() {
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(new Limits(5, 1000), clock);
        limiter.decide("idle");
        limiter.decide("spender");
        limiter.spent("spender", 5);
        clock.advance(Duration.ofSeconds(61));
        limiter.sweep();
        assertEquals(1, limiter.clients());
        Decision d = limiter.decide("spender");
        assertEquals(995, state(d, Limit.TOKENS_PER_DAY).remaining(), "today's tokens survived the sweep");
    }
}
