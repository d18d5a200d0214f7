package io.chatstream.web;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;
import jakarta.servlet.http.HttpServletRequest;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The webapp's async requests that the container has not yet finished, so that the webapp's stop can wait for them.
 *
 * <p>A stream the webapp ends while it stops is completed from one of its own threads; the container then finishes
 * the request on one of its threads, in the webapp's context (class loader bound, async listeners, request-destroyed
 * listeners). A webapp that returned from {@code contextDestroyed} before that ran would be unloaded under it: Tomcat
 * finds its request thread still holding the webapp's class loader and logs a memory-leak warning for it. The
 * container tells a request is over with its request-destroyed event, which for an async request comes after every
 * async listener, as the last thing in the webapp's context.
 */
final class AsyncRequests implements ServletRequestListener {

    private static final String ATTRIBUTE = AsyncRequests.class.getName();

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the count falls to zero. */
    private final Condition none = lock.newCondition();
    /** Under the lock. */
    private int open;

    /** {@code req.startAsync()} without a container timeout (streams end by themselves), counted until destroyed. */
    AsyncContext start(HttpServletRequest req) {
        AsyncContext async = req.startAsync();
        async.setTimeout(0);
        if (req.getAttribute(ATTRIBUTE) == null) {
            req.setAttribute(ATTRIBUTE, Boolean.TRUE);
            lock.lock();
            try {
                open++;
            } finally {
                lock.unlock();
            }
        }
        return async;
    }

    @Override
    public void requestDestroyed(ServletRequestEvent event) {
        ServletRequest req = event.getServletRequest();
        if (req.getAttribute(ATTRIBUTE) != null) {
            req.removeAttribute(ATTRIBUTE);
            lock.lock();
            try {
                if (--open == 0) {
                    none.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** How many started async requests the container has not yet destroyed. */
    int open() {
        lock.lock();
        try {
            return open;
        } finally {
            lock.unlock();
        }
    }

    /** Whether a thread waits in {@link #awaitNone} now: the stop has come to its last step. */
    boolean awaited() {
        lock.lock();
        try {
            return lock.hasWaiters(none);
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code wait} until the container has destroyed every counted request; true if it has. */
    boolean awaitNone(Duration wait) {
        long nanos = wait.toNanos();
        lock.lock();
        try {
            while (open > 0) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = none.awaitNanos(nanos);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return open == 0;
        } finally {
            lock.unlock();
        }
    }
}
