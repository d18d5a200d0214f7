package io.chatstream.stream;

import java.util.Arrays;

/**
 * Holds back the writes that new events cause on one thread until the end of a unit of work, then makes them: each
 * connection woken in the meantime writes once, all its new events in one write. A timer that serves many replies
 * in one pass, or catches up after running late, and an upstream read that carries several tokens, so cost one
 * write (one system call) per connection instead of one per event; under load, when work runs late, more events
 * share each write, and the server sheds system calls instead of falling behind.
 *
 * <p>Who opens a batch is explicit: the executors of {@link BatchingExecutors} run each task inside one. Where a
 * reader's wake finds the batch is not: by the thread it runs on (each {@link AppThread} carries one), since the
 * wake happens deep inside a backend's callback that no batch can be handed to, and a {@code ThreadLocal} lookup on
 * every event cost more than the encoding. On any other thread, and outside a task, readers write at once. Batches
 * do not nest: an {@link #open()} inside one returns null and the outer batch does the writes.
 */
final class WriteBatch {

    private static final System.Logger LOG = System.getLogger(WriteBatch.class.getName());

    private Deferred[] woken = new Deferred[64];
    private int size;
    private boolean open;

    WriteBatch() {
    }

    /**
     * A reader's signal to write, which a batch open on the waking thread holds back to its end. Each reader makes
     * one and keeps it.
     */
    static final class Deferred {
        private final Runnable signal;
        /** The batch this signal waits in: a hint that saves adding it twice to one batch. */
        private WriteBatch in;

        Deferred(Runnable signal) {
            this.signal = signal;
        }

        /** Signals now, or at the end of the batch open on this thread. */
        void signal() {
            WriteBatch b = AppThread.currentBatch();
            if (b == null || !b.open) {
                signal.run();
            } else if (in != b) {
                in = b;
                b.add(this);
            }
        }
    }

    /**
     * Opens the batch of this thread; null when one is already open here (that one does the writes) or when the
     * application did not make this thread.
     */
    static WriteBatch open() {
        WriteBatch b = AppThread.currentBatch();
        if (b == null || b.open) {
            return null;
        }
        b.open = true;
        return b;
    }

    /** Ends this thread's batch, if one is open: what a batching executor runs after each task. */
    static void closeCurrent() {
        WriteBatch b = AppThread.currentBatch();
        if (b != null && b.open) {
            b.close();
        }
    }

    private void add(Deferred d) {
        if (size == woken.length) {
            woken = Arrays.copyOf(woken, size * 2);
        }
        woken[size++] = d;
    }

    /** Ends the batch: every reader woken during it writes now. Runs on the thread that opened it. */
    void close() {
        open = false;
        // closed first: a reader woken by another's write (none is today) writes at once
        for (int i = 0; i < size; i++) {
            Deferred d = woken[i];
            woken[i] = null;
            d.in = null;
            try {
                d.signal.run();
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
            woken = new Deferred[64]; // a burst is over: do not keep its array
        }
    }
}
