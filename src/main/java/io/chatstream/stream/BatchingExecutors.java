package io.chatstream.stream;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The application's own threads, and the executors that run each task inside a {@link WriteBatch}: the shared
 * scheduler (the demo backend serves every reply due in a millisecond in one run) and the HTTP client's executor
 * (one upstream read carries several tokens). The events a task appends reach each connection in one write, at the
 * task's end.
 *
 * <p>The executors must be given threads made by {@link #threads(String)} (or a factory that returns those, such as
 * one that records them): the batch is a field of the thread, found by the wake of a reader deep inside a
 * backend's callback; they refuse any other thread rather than quietly write once per event.
 */
public final class BatchingExecutors {

    private BatchingExecutors() {
    }

    /**
     * Makes daemon threads named {@code prefix-1, prefix-2...} that carry a write batch (opened only by the
     * executors below) and a buffer to encode events in.
     */
    public static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return task -> {
            Thread t = new AppThread(task, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** A scheduler of {@code threads} threads whose every task, timers included, runs inside a write batch. */
    public static ScheduledThreadPoolExecutor scheduler(int threads, ThreadFactory factory) {
        return new Scheduler(threads, checked(factory));
    }

    /** A fixed pool of {@code threads} threads, with an unbounded queue, whose every task runs inside a batch. */
    public static ThreadPoolExecutor fixed(int threads, ThreadFactory factory) {
        return new Fixed(threads, checked(factory));
    }

    private static ThreadFactory checked(ThreadFactory factory) {
        return task -> {
            Thread t = factory.newThread(task);
            if (!(t instanceof AppThread)) {
                throw new IllegalArgumentException("A batching executor's thread factory made " + t
                        + ", not a thread of BatchingExecutors.threads(): its tasks could not batch their writes");
            }
            return t;
        };
    }

    // the two differ only in their base class: each opens the batch before a task and closes it after

    private static final class Scheduler extends ScheduledThreadPoolExecutor {

        Scheduler(int threads, ThreadFactory factory) {
            super(threads, factory);
        }

        @Override
        protected void beforeExecute(Thread t, Runnable r) {
            WriteBatch.open();
        }

        @Override
        protected void afterExecute(Runnable r, Throwable t) {
            WriteBatch.closeCurrent();
        }
    }

    private static final class Fixed extends ThreadPoolExecutor {

        Fixed(int threads, ThreadFactory factory) {
            super(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), factory);
        }

        @Override
        protected void beforeExecute(Thread t, Runnable r) {
            WriteBatch.open();
        }

        @Override
        protected void afterExecute(Runnable r, Throwable t) {
            WriteBatch.closeCurrent();
        }
    }
}
