package io.chatstream.web;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;
import jakarta.servlet.http.HttpServletRequest;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

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

    private final AtomicInteger open = new AtomicInteger();

    /** {@code req.startAsync()} without a container timeout (streams end by themselves), counted until destroyed. */
    AsyncContext start(HttpServletRequest req) {
        AsyncContext async = req.startAsync();
        async.setTimeout(0);
        if (req.getAttribute(ATTRIBUTE) == null) {
            req.setAttribute(ATTRIBUTE, Boolean.TRUE);
            open.incrementAndGet();
        }
        return async;
    }

    @Override
    public void requestDestroyed(ServletRequestEvent event) {
        ServletRequest req = event.getServletRequest();
        if (req.getAttribute(ATTRIBUTE) != null) {
            req.removeAttribute(ATTRIBUTE);
            open.decrementAndGet();
        }
    }

    /** How many started async requests the container has not yet destroyed. */
    int open() {
        return open.get();
    }

    /** Waits up to {@code wait} until the container has destroyed every counted request; true if it has. */
    boolean awaitNone(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (open.get() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return open.get() == 0;
            }
        }
        return true;
    }
}
