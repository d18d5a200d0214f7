package io.chatstream.stream;

import io.chatstream.wire.ByteSink;

import java.util.Arrays;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Holds back the writes that new events cause on one thread until the end of a unit of work, then makes them: each
 * connection woken in the meantime writes once, all its new events in one write. A timer that serves many replies
 * in one pass, or catches up after running late, and an upstream read that carries several tokens, so cost one
 * write (one system call) per connection instead of one per event; under load, when work runs late, more events
 * share each write, and the server sheds system calls instead of falling behind.
 *
 * <p>The batch also lends its thread a buffer to encode events in. Only the application's own threads, made by
 * {@link #threads(String)}, carry a batch, in a field of the thread itself (a thread-local lookup on every event
 * cost more than the encoding): a container's threads never do, so nothing of the webapp stays behind on them after
 * undeploy.
 *
 * <p>The pools of those threads open a batch around each task: {@link #open()} before, {@link #close()} in a
 * {@code finally} after (the composition root does so for the shared scheduler and the HTTP client's executor).
 * Without an open batch, readers write at once. Batches do not nest: an {@code open()} inside one returns null and
 * the outer batch does the writes.
 */
public final class WriteBatch {

    private static final System.Logger LOG = System.getLogger(WriteBatch.class.getName());

    private Delivery[] woken = new Delivery[64];
    private int size;
    private boolean open;
    /** Where events appended on this thread are encoded before the log copies them: no garbage per event. */
    private ByteSink scratch = new ByteSink(256);

    private WriteBatch() {
    }

    /** A thread that carries its own write batch. */
    private static final class BatchThread extends Thread {
        final WriteBatch batch = new WriteBatch();

        BatchThread(Runnable task, String name) {
            super(task, name);
        }
    }

    /** Makes daemon threads named {@code prefix-1, prefix-2...} that can open write batches. */
    public static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return task -> {
            Thread t = new BatchThread(task, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static WriteBatch current() {
        Thread t = Thread.currentThread();
        return t instanceof BatchThread ? ((BatchThread) t).batch : null;
    }

    /**
     * Opens a batch on this thread; null when one is already open here (that one does the writes) or when this
     * thread was not made by {@link #threads(String)}.
     */
    public static WriteBatch open() {
        WriteBatch b = current();
        if (b == null || b.open) {
            return null;
        }
        b.open = true;
        return b;
    }

    /** Ends this thread's batch, if one is open: what a pool runs after each task. */
    public static void closeCurrent() {
        WriteBatch b = current();
        if (b != null && b.open) {
            b.close();
        }
    }

    /** Ends the batch: every reader woken during it writes now. Runs on the thread that opened it. */
    public void close() {
        open = false;
        // a reader's write may wake others (none today) or open nothing: index by index, so late additions count
        for (int i = 0; i < size; i++) {
            Delivery d = woken[i];
            woken[i] = null;
            d.deferredIn = null;
            try {
                d.flushDeferred();
            } catch (Throwable e) {
                // one reader's failure must not keep the others of the batch (or of later batches) from writing
                try {
                    LOG.log(System.Logger.Level.WARNING, "A reader's write failed at the end of a batch", e);
                } catch (Throwable ignored) {
                    // logging can fail too when memory has run out
                }
            }
        }
        size = 0;
        if (woken.length > 1024) {
            woken = new Delivery[64]; // a burst is over: do not keep its array
        }
    }

    /**
     * A buffer to encode an event in, empty, owned by this thread's open batch; null on a thread without one (a
     * container's request thread, which must not be left holding the webapp's objects).
     */
    static ByteSink scratch() {
        WriteBatch b = current();
        if (b == null || !b.open) {
            return null;
        }
        if (b.scratch.array().length > 64 * 1024) {
            b.scratch = new ByteSink(256); // an outsized event went through: do not keep its buffer
        }
        b.scratch.reset();
        return b.scratch;
    }

    /** Defers a reader's write to the end of this thread's open batch; false when none is open. */
    static boolean defer(Delivery d) {
        WriteBatch b = current();
        if (b == null || !b.open) {
            return false;
        }
        if (d.deferredIn != b) {
            d.deferredIn = b;
            if (b.size == b.woken.length) {
                b.woken = Arrays.copyOf(b.woken, b.size * 2);
            }
            b.woken[b.size++] = d;
        }
        return true;
    }
}
