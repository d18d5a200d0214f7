package io.chatstream.time;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler and a clock that move only when a test says so: {@link #advance(Duration)} runs every task that falls
 * due, in due order, on the calling thread, with {@link #nanoTime()} set to each task's due time while it runs.
 * Lifetime rules are then tested in microseconds of real time, and the same way on any machine.
 *
 * <p>{@code execute}/{@code submit} run at the current time on the next {@link #advance} or {@link #runDue()}.
 * Thread-safe: production code may schedule from other threads while a test advances.
 */
public final class ManualScheduler implements ScheduledExecutorService, Ticker {

    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
    private long now;
    private long sequence;
    private boolean shutdown;

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    /** Moves the clock forward by {@code d}, running every task due on the way (and those they schedule). */
    public void advance(Duration d) {
        long target;
        synchronized (this) {
            target = now + d.toNanos();
        }
        while (true) {
            Task<?> next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due > target) {
                    now = target;
                    return;
                }
                queue.poll();
                now = Math.max(now, next.due);
            }
            next.runOnce();
        }
    }

    /** Runs what is due now (tasks submitted for immediate execution included) without moving the clock. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** Tasks waiting, cancelled ones excluded. */
    public synchronized int pending() {
        int n = 0;
        for (Task<?> t : queue) {
            if (!t.isCancelled()) {
                n++;
            }
        }
        return n;
    }

    private synchronized <V> Task<V> add(Callable<V> c, long delayNanos, long periodNanos) {
        if (shutdown) {
            throw new java.util.concurrent.RejectedExecutionException("shut down");
        }
        Task<V> t = new Task<>(c, now + Math.max(0, delayNanos), periodNanos, sequence++);
        queue.add(t);
        return t;
    }

    private synchronized void requeue(Task<?> t) {
        if (!shutdown) {
            queue.add(t);
        }
    }

    private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
        private long due;
        private final long period;
        private final long order;

        Task(Callable<V> c, long due, long period, long order) {
            super(c);
            this.due = due;
            this.period = period;
            this.order = order;
        }

        void runOnce() {
            if (period == 0) {
                run();
            } else if (runAndReset()) {
                due += period;
                requeue(this);
            }
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Task<?> t = (Task<?>) o;
            int c = Long.compare(due, t.due);
            return c != 0 ? c : Long.compare(order, t.order);
        }
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return add(java.util.concurrent.Executors.callable(command), unit.toNanos(delay), 0);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return add(callable, unit.toNanos(delay), 0);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return add(java.util.concurrent.Executors.callable(command), unit.toNanos(initialDelay), unit.toNanos(period));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return scheduleAtFixedRate(command, initialDelay, delay, unit);
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public Future<?> submit(Runnable task) {
        return schedule(task, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public <T> Future<T> submit(Runnable task, T result) {
        return schedule(java.util.concurrent.Executors.callable(task, result), 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
        return schedule(task, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> left = new ArrayList<>(queue);
        queue.clear();
        return left;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && queue.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) {
        throw new UnsupportedOperationException("not used by the server");
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit) {
        throw new UnsupportedOperationException("not used by the server");
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws ExecutionException {
        throw new UnsupportedOperationException("not used by the server");
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit) {
        throw new UnsupportedOperationException("not used by the server");
    }
}
