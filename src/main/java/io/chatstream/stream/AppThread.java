package io.chatstream.stream;

import io.chatstream.wire.ByteSink;

/**
 * One of the application's own threads, made by {@link BatchingExecutors#threads(String)}. It carries what the work
 * done for every event reuses: its {@link WriteBatch} and the buffer events are encoded in. They are fields of the
 * thread, found by its class, because a {@code ThreadLocal} lookup on every event was measured to cost more than
 * encoding the event (docs/performance.md). A container's threads carry neither, so nothing of the webapp stays
 * behind on them after undeploy.
 */
final class AppThread extends Thread {

    final WriteBatch batch = new WriteBatch();
    private ByteSink eventBuffer = new ByteSink(256);

    AppThread(Runnable task, String name) {
        super(task, name);
    }

    /** The write batch of the calling thread, or null when the application did not make it. */
    static WriteBatch currentBatch() {
        Thread t = Thread.currentThread();
        return t instanceof AppThread ? ((AppThread) t).batch : null;
    }

    /**
     * An empty buffer to encode one event in before the event log copies it: the calling thread's own when the
     * application made it (no garbage per event), else a new one (a container's thread appends few events).
     */
    static ByteSink eventBuffer() {
        Thread t = Thread.currentThread();
        if (!(t instanceof AppThread)) {
            return new ByteSink(128);
        }
        AppThread self = (AppThread) t;
        if (self.eventBuffer.array().length > 64 * 1024) {
            self.eventBuffer = new ByteSink(256); // an outsized event went through: do not keep its buffer
        }
        self.eventBuffer.reset();
        return self.eventBuffer;
    }
}
