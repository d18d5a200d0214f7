package io.chatstream.backend.demo;

import io.chatstream.time.ManualScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The wheel turned by a scheduler the test moves by hand, so every bound is exact (a timer fires in the tick it falls
 * in, never before, at most one tick after); one test turns it with a real scheduler thread, as the webapp does.
 */
class TokenClockTest {

    private final ManualScheduler scheduler = new ManualScheduler();
    private final TokenClock clock = new TokenClock(scheduler, scheduler);

    @AfterEach
    void stop() {
        clock.close();
        scheduler.shutdownNow();
    }

    /** Fires {@code times} times, every {@code interval} ns; records the lateness of each firing. */
    private static final class Recorder extends TokenClock.Timer {
        final long interval;
        int left;
        final BlockingQueue<Long> lateness = new LinkedBlockingQueue<>();
        volatile boolean cancelled;

        Recorder(long firstDue, long interval, int times) {
            this.due = firstDue;
            this.interval = interval;
            this.left = times;
        }

        @Override
        boolean fire(long now) {
            lateness.add(now - due);
            due += interval;
            return --left > 0;
        }

        @Override
        boolean isCancelled() {
            return cancelled;
        }

        /** The lateness of every firing so far. */
        List<Long> drained() {
            List<Long> out = new ArrayList<>();
            lateness.drainTo(out);
            return out;
        }
    }

    private void advanceMillis(long n) {
        scheduler.advance(Duration.ofMillis(n));
    }

    private static void assertOnTime(List<Long> lateness, int expected) {
        assertEquals(expected, lateness.size(), "firings");
        for (long late : lateness) {
            assertTrue(late >= 0, "fired " + late + " ns early");
            assertTrue(late <= TokenClock.TICK_NANOS, "fired " + late + " ns late");
        }
    }

    @Test
    void firesEachTimerAtOrAfterItsDueTimeAndAtMostOneTickLater() {
        long start = scheduler.nanoTime();
        // due times off the millisecond grid, so the tick rounding shows
        Recorder fast = new Recorder(start + ms(5) + 300_000, ms(3), 20);
        Recorder slow = new Recorder(start + ms(40) + 700_000, ms(25), 3);
        clock.add(fast);
        clock.add(slow);
        advanceMillis(5);
        assertOnTime(fast.drained(), 0);
        advanceMillis(1);
        assertOnTime(fast.drained(), 1);
        advanceMillis(100);
        assertOnTime(fast.drained(), 19);
        assertOnTime(slow.drained(), 3);
        advanceMillis(1000);
        assertNull(fast.lateness.poll(), "fired after it said it was done");
        assertEquals(0, scheduler.pending(), "the clock still ticks with no timer in it");
    }

    @Test
    void aTimerThatThrowsIsDroppedAndTheClockGoesOnForEveryOtherTimer() {
        long start = scheduler.nanoTime();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Recorder before = new Recorder(start + ms(10), ms(5), 10);
        Recorder after = new Recorder(start + ms(10), ms(5), 10);
        TokenClock.Timer throwing = new TokenClock.Timer() {
            {
                this.due = start + ms(10);
            }

            @Override
            boolean fire(long now) {
                throw new OutOfMemoryError("Java heap space (thrown by the test)");
            }

            @Override
            boolean isCancelled() {
                return false;
            }

            @Override
            void failed(Throwable error) {
                failures.add(error);
            }
        };
        clock.add(before);
        clock.add(throwing); // the same slot: it fires between the other two
        clock.add(after);
        advanceMillis(10);
        assertEquals(1, failures.size(), "failed() was not called once");
        assertTrue(failures.get(0) instanceof OutOfMemoryError, failures.toString());
        advanceMillis(100);
        assertOnTime(before.drained(), 10);
        assertOnTime(after.drained(), 10);
        assertEquals(1, failures.size(), "the failed timer fired again");
        Recorder later = new Recorder(scheduler.nanoTime() + ms(5), ms(5), 3);
        clock.add(later);
        advanceMillis(20);
        assertOnTime(later.drained(), 3);
    }

    @Test
    void aTimerDueMoreThanOneTurnOfTheWheelAheadWaitsForIt() {
        long start = scheduler.nanoTime();
        Recorder far = new Recorder(start + ms(1500), ms(1), 1); // the wheel has 1,024 slots of 1 ms
        clock.add(far);
        advanceMillis(1024);
        assertOnTime(far.drained(), 0); // its slot came round once already
        advanceMillis(1499 - 1024);
        assertOnTime(far.drained(), 0);
        advanceMillis(1);
        assertOnTime(far.drained(), 1);
    }

    @Test
    void cancelledTimersNeverFireAndTheClockStopsWhenNoTimerIsLeft() {
        long start = scheduler.nanoTime();
        Recorder cancelled = new Recorder(start + ms(30), ms(5), 10);
        cancelled.cancelled = true;
        Recorder once = new Recorder(start + ms(10), ms(5), 1);
        clock.add(cancelled);
        clock.add(once);
        advanceMillis(10);
        assertOnTime(once.drained(), 1);
        assertEquals(1, scheduler.pending(), "the clock stopped with a timer in it");
        advanceMillis(30); // the cancelled timer's slot comes round: it leaves, and the clock with it
        assertNull(cancelled.lateness.poll());
        assertEquals(0, scheduler.pending(), "the clock still ticks with no timer in it");
        Recorder again = new Recorder(scheduler.nanoTime() + ms(5), ms(5), 2);
        clock.add(again);
        assertEquals(1, scheduler.pending(), "the clock did not restart");
        advanceMillis(10);
        assertOnTime(again.drained(), 2);
        assertEquals(0, scheduler.pending());
    }

    @Test
    void timersDueInTheSameMillisecondFireInOneRunOfTheClock() {
        long lastDue = scheduler.nanoTime() + ms(20);
        List<Long> nows = new CopyOnWriteArrayList<>();
        List<Long> turns = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 100; i++) {
            long at = lastDue - i * 9_000L; // spread over the millisecond before lastDue
            clock.add(new TokenClock.Timer() {
                {
                    this.due = at;
                }

                @Override
                boolean fire(long now) {
                    nows.add(now);
                    turns.add(scheduler.nanoTime());
                    return false;
                }

                @Override
                boolean isCancelled() {
                    return false;
                }
            });
        }
        advanceMillis(19);
        assertEquals(0, nows.size());
        advanceMillis(1);
        assertEquals(100, nows.size());
        assertEquals(1, nows.stream().distinct().count(), "not served in one pass");
        assertEquals(1, turns.stream().distinct().count(), "not served in one turn");
    }

    @Test
    void aRealSchedulerThreadTurnsTheClock() throws Exception {
        ScheduledThreadPoolExecutor real = new ScheduledThreadPoolExecutor(1);
        real.setRemoveOnCancelPolicy(true);
        TokenClock onThread = new TokenClock(real);
        try {
            Recorder r = new Recorder(System.nanoTime() + ms(5), ms(2), 10);
            onThread.add(r);
            for (int i = 0; i < 10; i++) {
                Long late = r.lateness.poll(10, TimeUnit.SECONDS);
                assertNotNull(late, "fired " + i + " times");
                assertTrue(late >= 0, "fired " + late + " ns early");
            }
            // the periodic task leaves the scheduler once the last timer is done
            assertTrue(io.chatstream.testing.Await.until(Duration.ofSeconds(10), () -> real.getQueue().isEmpty()),
                    "the clock still ticks with no timer in it");
        } finally {
            onThread.close();
            real.shutdownNow();
        }
    }

    private static long ms(long n) {
        return TimeUnit.MILLISECONDS.toNanos(n);
    }
}
