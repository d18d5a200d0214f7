package io.chatstream.backend.demo;

import io.chatstream.time.Ticker;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One clock for every reply of a backend: a hashed wheel of 1 ms slots turned by a single periodic task on the
 * shared scheduler, so all replies due in the same millisecond are served in one pass. A task per reply would cost
 * a priority-queue insert and, mostly, a thread wake-up per token; with ten thousand replies at 20 tokens a second
 * that is 200,000 wake-ups a second, here it is 1,000. The task runs only while some reply is waiting.
 *
 * <p>A timer fires at most one tick (1 ms) after it is due, later only when the scheduler itself is late; a timer
 * that is late fires once and {@link Timer#fire} catches up. Cancelled timers leave the wheel when their slot comes
 * round.
 *
 * <p>Nothing a timer throws stops the clock: a periodic task that throws is never run again by its executor, which
 * here would leave every reply of the backend silent for good (seen after an {@link OutOfMemoryError} under an
 * oversized load). A timer that throws is dropped and told through {@link Timer#failed}; the others go on.
 */
final class TokenClock {

    static final long TICK_NANOS = 1_000_000;
    private static final int SLOTS = 1024;
    private static final int MASK = SLOTS - 1;

    /** Something that fires at {@link #due}; an intrusive list node of its wheel slot. */
    abstract static class Timer {
        /** When to fire next, in the clock's {@link Ticker} time. */
        long due;
        private Timer next;

        /**
         * Runs on the clock's thread at or after {@link #due}. Returns true to fire again at the new {@link #due} it
         * set, false when done. Must not block; a timer that throws leaves the clock and is told through
         * {@link #failed}.
         */
        abstract boolean fire(long now);

        /** True when the timer should be dropped without firing. */
        abstract boolean isCancelled();

        /** Called once, on the clock's thread, when {@link #fire} threw; the timer has left the clock. */
        void failed(Throwable error) {
        }
    }

    private static final Logger LOG = Logger.getLogger(TokenClock.class.getName());

    private final ScheduledExecutorService scheduler;
    private final Ticker ticker;
    private final long epoch;
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantLock turning = new ReentrantLock();
    private final Timer[] slots = new Timer[SLOTS];
    /** The last tick whose slot was taken; guarded by lock. */
    private long processed;
    /** Timers in the wheel; guarded by lock. */
    private int size;
    private ScheduledFuture<?> task;
    private boolean closed;

    TokenClock(ScheduledExecutorService scheduler) {
        this(scheduler, Ticker.SYSTEM);
    }

    /** @param ticker the time timers are due in; the scheduler's own clock must agree with it */
    TokenClock(ScheduledExecutorService scheduler, Ticker ticker) {
        this.scheduler = scheduler;
        this.ticker = ticker;
        this.epoch = ticker.nanoTime();
    }

    /** Now, in the time of {@link Timer#due}. */
    long now() {
        return ticker.nanoTime();
    }

    /** Adds a timer that fires first at {@code timer.due}. */
    void add(Timer timer) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (task == null) {
                processed = tick(ticker.nanoTime());
                task = scheduler.scheduleAtFixedRate(this::turn, TICK_NANOS, TICK_NANOS, TimeUnit.NANOSECONDS);
            }
            insert(timer);
            size++;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the clock; timers still in the wheel never fire. */
    void close() {
        lock.lock();
        try {
            closed = true;
            if (task != null) {
                task.cancel(false);
                task = null;
            }
            java.util.Arrays.fill(slots, null);
            size = 0;
        } finally {
            lock.unlock();
        }
    }

    /** The tick at or after {@code nanos}. */
    private long tick(long nanos) {
        return Math.floorDiv(nanos - epoch + TICK_NANOS - 1, TICK_NANOS);
    }

    private void insert(Timer t) {
        long at = Math.max(tick(t.due), processed + 1);
        int slot = (int) (at & MASK);
        t.next = slots[slot];
        slots[slot] = t;
    }

    /** Serves every slot up to now; a run that finds another still turning leaves the work to it. */
    private void turn() {
        if (!turning.tryLock()) {
            return;
        }
        try {
            long now = ticker.nanoTime();
            long target = Math.floorDiv(now - epoch, TICK_NANOS);
            while (true) {
                Timer list;
                long t;
                lock.lock();
                try {
                    if (closed || processed >= target) {
                        return;
                    }
                    t = ++processed;
                    int slot = (int) (t & MASK);
                    list = slots[slot];
                    slots[slot] = null;
                } finally {
                    lock.unlock();
                }
                serve(list, t, now);
            }
        } catch (Throwable e) {
            // never out of the periodic task: the executor would not run it again
            try {
                LOG.log(Level.WARNING, "The demo backend's clock failed a turn; it goes on", e);
            } catch (Throwable ignored) {
                // logging can fail too when memory has run out
            }
        } finally {
            turning.unlock();
        }
    }

    private static boolean fire(Timer timer, long now) {
        try {
            return timer.fire(now);
        } catch (Throwable e) {
            try {
                timer.failed(e);
            } catch (Throwable ignored) {
                // the timer is dropped either way
            }
            return false;
        }
    }

    private void serve(Timer list, long t, long now) {
        Timer again = null;
        int done = 0;
        for (Timer timer = list; timer != null; ) {
            Timer next = timer.next;
            if (timer.isCancelled()) {
                done++;
            } else if (tick(timer.due) > t) {
                timer.next = again; // a later round of the wheel
                again = timer;
            } else if (fire(timer, now)) {
                timer.next = again;
                again = timer;
            } else {
                done++;
            }
            timer = next;
        }
        lock.lock();
        try {
            for (Timer timer = again; timer != null; ) {
                Timer next = timer.next;
                insert(timer);
                timer = next;
            }
            size -= done;
            if (size == 0 && task != null) {
                task.cancel(false);
                task = null;
            }
        } finally {
            lock.unlock();
        }
    }
}
