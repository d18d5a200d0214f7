package io.chatstream.backend.demo;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenClockTest {

    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private final TokenClock clock = new TokenClock(scheduler);

    {
        scheduler.setRemoveOnCancelPolicy(true);
    }

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
    }

    @Test
    void firesEachTimerAtOrAfterItsDueTimeAndNotMuchLater() throws Exception {
        long start = System.nanoTime();
        Recorder fast = new Recorder(start + ms(5), ms(3), 20);
        Recorder slow = new Recorder(start + ms(40), ms(25), 3);
        clock.add(fast);
        clock.add(slow);
        for (int i = 0; i < 20; i++) {
            long late = fast.lateness.poll(2, TimeUnit.SECONDS);
            assertTrue(late >= 0, "fired " + late + " ns early");
            assertTrue(late < ms(200), "fired " + late / 1_000_000 + " ms late");
        }
        for (int i = 0; i < 3; i++) {
            long late = slow.lateness.poll(2, TimeUnit.SECONDS);
            assertTrue(late >= 0 && late < ms(200), "lateness " + late);
        }
        assertNull(fast.lateness.poll(50, TimeUnit.MILLISECONDS), "fired after it said it was done");
    }

    @Test
    void aTimerThatThrowsIsDroppedAndTheClockGoesOnForEveryOtherTimer() throws Exception {
        long start = System.nanoTime();
        BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
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
        Throwable failure = failures.poll(2, TimeUnit.SECONDS);
        assertTrue(failure instanceof OutOfMemoryError, "failed() was not called: " + failure);
        for (Recorder r : List.of(before, after)) {
            for (int i = 0; i < 10; i++) {
                assertTrue(r.lateness.poll(2, TimeUnit.SECONDS) != null, "a timer stopped after " + i + " firings");
            }
        }
        assertNull(failures.poll(50, TimeUnit.MILLISECONDS), "the failed timer fired again");
        Recorder later = new Recorder(System.nanoTime() + ms(5), ms(5), 3);
        clock.add(later);
        for (int i = 0; i < 3; i++) {
            assertTrue(later.lateness.poll(2, TimeUnit.SECONDS) != null, "the clock stopped turning");
        }
    }

    @Test
    void aTimerDueMoreThanOneTurnOfTheWheelAheadWaitsForIt() throws Exception {
        long start = System.nanoTime();
        Recorder far = new Recorder(start + ms(1500), ms(1), 1); // the wheel has 1,024 slots of 1 ms
        clock.add(far);
        Long late = far.lateness.poll(5, TimeUnit.SECONDS);
        assertTrue(late != null && late >= 0, "lateness " + late);
        assertTrue(System.nanoTime() - start >= ms(1500));
    }

    @Test
    void cancelledTimersNeverFireAndTheClockStopsWhenNoTimerIsLeft() throws Exception {
        long start = System.nanoTime();
        Recorder cancelled = new Recorder(start + ms(30), ms(5), 10);
        cancelled.cancelled = true;
        Recorder once = new Recorder(start + ms(10), ms(5), 1);
        clock.add(cancelled);
        clock.add(once);
        assertTrue(once.lateness.poll(2, TimeUnit.SECONDS) != null);
        assertNull(cancelled.lateness.poll(100, TimeUnit.MILLISECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!scheduler.getQueue().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(scheduler.getQueue().isEmpty(), "the clock still ticks with no timer in it");
        Recorder again = new Recorder(System.nanoTime() + ms(5), ms(5), 2);
        clock.add(again);
        assertTrue(again.lateness.poll(2, TimeUnit.SECONDS) != null, "the clock did not restart");
    }

    @Test
    void timersDueInTheSameMillisecondFireInOneRunOfTheClock() throws Exception {
        // The clock's only thread is held until every timer is in, so a slow machine adding them cannot split the
        // pass: whatever is due when the clock next turns must be served in that one turn.
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        scheduler.execute(() -> {
            held.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(held.await(2, TimeUnit.SECONDS));
        long due = System.nanoTime() + ms(20);
        List<Thread> threads = new CopyOnWriteArrayList<>();
        List<Long> nows = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 100; i++) {
            clock.add(new TokenClock.Timer() {
                {
                    this.due = due;
                }

                @Override
                boolean fire(long now) {
                    threads.add(Thread.currentThread());
                    nows.add(now);
                    return false;
                }

                @Override
                boolean isCancelled() {
                    return false;
                }
            });
        }
        while (System.nanoTime() - due < ms(5)) {
            Thread.onSpinWait();
        }
        release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (nows.size() < 100 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(100, nows.size());
        assertEquals(1, nows.stream().distinct().count(), "not served in one pass");
    }

    private static long ms(long n) {
        return TimeUnit.MILLISECONDS.toNanos(n);
    }
}
