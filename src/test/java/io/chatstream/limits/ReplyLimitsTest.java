package io.chatstream.limits;

import io.chatstream.metrics.ChatMetrics;
import io.chatstream.stream.StreamRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;

/** Refusals are counted by limit every time, and logged once per client per minute, on a manual clock. */
class ReplyLimitsTest {

    @Test
    void everyRefusalIsCountedAndEachClientLoggedOnceAMinute() {
        ManualClock clock = new ManualClock(Instant.parse("2026-12-03T12:00:00Z"));
        Limits limits = new Limits(1, 0);
        ChatMetrics metrics = new ChatMetrics();
        ReplyLimits replies = new ReplyLimits(limits, new InMemoryRateLimiter(limits, clock), metrics, clock);
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger jul = Logger.getLogger(ReplyLimits.class.getName());
        jul.addHandler(capture);
        try {
            assertTrue(replies.admit("a").toCompletableFuture().join().allowed());
            assertTrue(replies.admit("b").toCompletableFuture().join().allowed());
            for (int i = 0; i < 10; i++) {
                assertFalse(replies.admit("a").toCompletableFuture().join().allowed());
                clock.advance(Duration.ofSeconds(1));
            }
            assertFalse(replies.admit("b").toCompletableFuture().join().allowed());
            assertEquals(2, logged.size(), "one line per refused client: " + logged);
            assertTrue(logged.get(0).contains("client a") && logged.get(0).contains("replies-per-minute"));
            clock.set(Instant.parse("2026-12-03T12:00:59.999Z"));
            assertFalse(replies.admit("a").toCompletableFuture().join().allowed());
            assertEquals(2, logged.size(), "still within the minute of the first line");
            clock.set(Instant.parse("2026-12-03T12:01:00.500Z"));
            replies.admit("a"); // admitted: the first start left the window
            assertFalse(replies.admit("a").toCompletableFuture().join().allowed());
            assertEquals(3, logged.size(), "a minute later, one more line");
            String scrape = metrics.scrape(mock(StreamRegistry.class));
            assertTrue(scrape.contains("chat_rate_limited_total{limit=\"replies-per-minute\"} 13"), scrape);
            assertTrue(scrape.contains("chat_rate_limited_total{limit=\"tokens-per-day\"} 0"), scrape);
        } finally {
            jul.removeHandler(capture);
        }
    }
}
