package io.chatstream.app;

import java.lang.System.Logger.Level;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Makes the threads of one of the application's pools and keeps them, so that closing the pool can wait until each
 * has ended. {@code awaitTermination} alone is not enough: it returns once the pool is terminated, which its last
 * worker signals just before its thread ends, and a container that looks for the webapp's threads right after
 * (Tomcat, when it unloads a webapp) still finds that one alive and reports it as a leak.
 */
final class PoolThreads implements ThreadFactory {

    private static final System.Logger LOG = System.getLogger(PoolThreads.class.getName());

    private final ThreadFactory factory;
    private final Queue<Thread> made = new ConcurrentLinkedQueue<>();

    PoolThreads(ThreadFactory factory) {
        this.factory = factory;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread t = factory.newThread(task);
        made.removeIf(old -> old.getState() == Thread.State.TERMINATED); // a pool replaces a thread that died
        made.add(t);
        return t;
    }

    /**
     * Stops {@code pool}, whose threads were made here, and waits, until {@code deadline}, for it to end and for
     * each of its threads to have ended; one line is logged when they had not.
     */
    void stop(ExecutorService pool, Deadline deadline) {
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(deadline.left().toNanos(), TimeUnit.NANOSECONDS) || !join(deadline.nanoTime())) {
                LOG.log(Level.WARNING, "Some chat threads had not stopped when the stop's time was up");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until every thread made here has ended, or until {@code deadlineNanos}; true if they have. */
    boolean join(long deadlineNanos) throws InterruptedException {
        for (Thread t : made) {
            long left = deadlineNanos - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.timedJoin(t, left);
            }
            if (t.isAlive()) {
                return false;
            }
        }
        return true;
    }
}
