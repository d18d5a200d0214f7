package io.chatstream.stream;

import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.config.ChatConfig;
import io.chatstream.config.Settings;
import io.chatstream.wire.ByteSink;
import io.chatstream.wire.Framing;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteBatchTest {

    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private final ManualBackend backend = new ManualBackend();
    private final StreamRegistry registry = new StreamRegistry(ChatConfig.load(Settings.of(Map.of())), backend,
            ManualBackend.NAME, scheduler, StreamObserver.NONE);

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** A transport that takes everything and records each flushed write. */
    private static final class Recording implements Transport {
        final List<String> writes = new CopyOnWriteArrayList<>();
        private final StringBuilder pending = new StringBuilder();
        /** Thrown by the next write when set. */
        volatile Error failWith;
        volatile boolean completed;

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            Error e = failWith;
            if (e != null) {
                throw e;
            }
            pending.append(new String(bytes, offset, length, StandardCharsets.UTF_8));
        }

        @Override
        public void flush() {
            writes.add(pending.toString());
            pending.setLength(0);
        }

        @Override
        public void complete() {
            completed = true;
        }
    }

    private Recording attach() throws Exception {
        return attach(StreamObserver.NONE);
    }

    private Recording attach(StreamObserver observer) throws Exception {
        ChatStream stream = registry.open(ChatRequest.of("hi"), "client", null, null);
        Recording transport = new Recording();
        new Delivery(stream, 0, Framing.SSE, transport, scheduler, observer,
                new Delivery.Pacing(TimeUnit.SECONDS.toNanos(15), 3000, 1 << 20, TimeUnit.SECONDS.toNanos(30), 0))
                .start(false);
        assertEquals(1, transport.writes.size(), "retry and start are written at once");
        return transport;
    }

    private interface Body {
        void run() throws Exception;
    }

    /** Runs a test body on one of the application's batch-carrying threads, rethrowing what it throws. */
    private static void onBatchThread(Body body) throws Exception {
        Throwable[] failure = new Throwable[1];
        Thread t = BatchingExecutors.threads("test-batch").newThread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.start();
        t.join(TimeUnit.SECONDS.toMillis(30));
        if (failure[0] instanceof Exception) {
            throw (Exception) failure[0];
        } else if (failure[0] != null) {
            throw (Error) failure[0];
        }
    }

    @Test
    void eventsAppendedInsideABatchReachTheConnectionInOneWriteAtItsEnd() throws Exception {
        onBatchThread(this::oneWritePerBatch);
    }

    private void oneWritePerBatch() throws Exception {
        Recording transport = attach();
        WriteBatch batch = WriteBatch.open();
        assertNotNull(batch);
        backend.sink().chunk("a");
        backend.sink().chunk("b");
        backend.sink().chunk("c");
        assertEquals(1, transport.writes.size(), "written before the batch ended");
        batch.close();
        assertEquals(2, transport.writes.size());
        String write = transport.writes.get(1);
        assertTrue(write.contains(":2\ndata: {\"type\":\"chunk\",\"content\":\"a\"}\n\n")
                && write.contains(":3\ndata: {\"type\":\"chunk\",\"content\":\"b\"}\n\n")
                && write.endsWith(":4\ndata: {\"type\":\"chunk\",\"content\":\"c\"}\n\n"), write);
    }

    @Test
    void aReaderWhoseWriteFailsWithAnErrorEndsAndTheOthersInTheBatchAndLaterBatchesStillWrite() throws Exception {
        onBatchThread(() -> {
            Recording failing = oneOfThreeFails(StreamObserver.NONE);
            assertTrue(failing.completed, "the failing reader's response was not ended");
        });
    }

    @Test
    void whatEscapesOneReadersWriteDoesNotKeepTheOthersOfItsBatchOrLaterBatchesFromWriting() throws Exception {
        // the reader's own recovery fails too: its write throws, then so does what it reports on the way out
        onBatchThread(() -> oneOfThreeFails(new StreamObserver() {
            @Override
            public void readerDetached(StreamSource stream, DetachReason reason) {
                throw new IllegalStateException("an observer that fails (thrown by the test)");
            }
        }));
    }

    /**
     * Three readers woken in one batch, the second one's write throwing an {@link OutOfMemoryError}: the other two
     * write at the batch's end, and again in a later batch on the same thread. Returns the failing reader's transport.
     */
    private Recording oneOfThreeFails(StreamObserver failingObserver) throws Exception {
        Recording first = attach();
        ChatSink firstSink = backend.sink();
        Recording failing = attach(failingObserver);
        ChatSink failingSink = backend.sink();
        Recording last = attach();
        ChatSink lastSink = backend.sink();
        failing.failWith = new OutOfMemoryError("Java heap space (thrown by the test)");
        WriteBatch batch = WriteBatch.open();
        firstSink.chunk("a");
        failingSink.chunk("a");
        lastSink.chunk("a");
        batch.close();
        assertEquals(2, first.writes.size(), "the reader before the failing one did not write");
        assertEquals(2, last.writes.size(), "the reader after the failing one did not write");
        batch = WriteBatch.open();
        assertNotNull(batch);
        firstSink.chunk("b");
        lastSink.chunk("b");
        batch.close();
        assertEquals(3, first.writes.size(), "a later batch on the thread did not write");
        assertEquals(3, last.writes.size(), "a later batch on the thread did not write");
        return failing;
    }

    @Test
    void withoutABatchEachEventIsWrittenAtOnce() throws Exception {
        Recording transport = attach();
        backend.sink().chunk("a");
        backend.sink().chunk("b");
        assertEquals(3, transport.writes.size());
    }

    @Test
    void aThreadOfTheContainerNeverOpensABatch() throws Exception {
        assertNull(WriteBatch.open(), "a batch opened on a thread the application did not make");
        Recording transport = attach();
        backend.sink().chunk("a");
        assertEquals(2, transport.writes.size());
    }

    @Test
    void aBatchOpenedInsideAnotherLeavesTheWritesToTheOuterOne() throws Exception {
        onBatchThread(this::nestedBatch);
    }

    private void nestedBatch() throws Exception {
        Recording transport = attach();
        WriteBatch outer = WriteBatch.open();
        assertNull(WriteBatch.open());
        backend.sink().chunk("a");
        outer.close();
        assertEquals(2, transport.writes.size());
        backend.sink().chunk("b");
        assertEquals(3, transport.writes.size(), "a closed batch still held a write back");
    }

    // the executors that run each task inside a batch

    /** Runs nothing on {@code pool} and waits for it: every task submitted before has ended, its batch closed too. */
    private static void drain(ExecutorService pool) throws Exception {
        pool.submit(() -> { }).get(30, TimeUnit.SECONDS);
    }

    private static void stop(ExecutorService pool) throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    }

    @Test
    void aTaskOfTheBatchingPoolWritesWhatItWokeOnceAtItsEnd() throws Exception {
        ThreadPoolExecutor pool = BatchingExecutors.fixed(1, BatchingExecutors.threads("test-pool"));
        try {
            Recording transport = attach();
            AtomicInteger writesDuringTask = new AtomicInteger(-1);
            pool.execute(() -> {
                backend.sink().chunk("a");
                backend.sink().chunk("b");
                backend.sink().chunk("c");
                writesDuringTask.set(transport.writes.size());
            });
            drain(pool);
            assertEquals(1, writesDuringTask.get(), "written before the task ended");
            assertEquals(2, transport.writes.size(), "one write for the task's three events");
            String write = transport.writes.get(1);
            assertTrue(write.contains("\"content\":\"a\"") && write.contains("\"content\":\"b\"")
                    && write.endsWith(":4\ndata: {\"type\":\"chunk\",\"content\":\"c\"}\n\n"), write);

            pool.execute(() -> backend.sink().chunk("d"));
            drain(pool);
            assertEquals(3, transport.writes.size(), "the next task's event was not written at its end");
        } finally {
            stop(pool);
        }
    }

    @Test
    void aTimerOfTheBatchingSchedulerWritesWhatItWokeOnceAtItsEnd() throws Exception {
        ScheduledThreadPoolExecutor timers = BatchingExecutors.scheduler(1, BatchingExecutors.threads("test-timer"));
        try {
            Recording first = attach();
            ChatSink firstSink = backend.sink();
            Recording second = attach();
            ChatSink secondSink = backend.sink();
            AtomicInteger writesDuringTask = new AtomicInteger(-1);
            timers.schedule(() -> {
                firstSink.chunk("a");
                secondSink.chunk("a");
                firstSink.chunk("b");
                secondSink.chunk("b");
                writesDuringTask.set(first.writes.size() + second.writes.size());
            }, 1, TimeUnit.MILLISECONDS).get(30, TimeUnit.SECONDS);
            drain(timers);
            assertEquals(2, writesDuringTask.get(), "written before the timer's run ended");
            assertEquals(2, first.writes.size(), "one write per connection for the run's events");
            assertEquals(2, second.writes.size(), "one write per connection for the run's events");
            assertTrue(first.writes.get(1).contains("\"a\"") && first.writes.get(1).contains("\"b\""));
            assertTrue(second.writes.get(1).contains("\"a\"") && second.writes.get(1).contains("\"b\""));
        } finally {
            stop(timers);
        }
    }

    @Test
    void aBatchOpenedInsideATaskLeavesTheWritesToTheTasksOwn() throws Exception {
        ThreadPoolExecutor pool = BatchingExecutors.fixed(1, BatchingExecutors.threads("test-pool"));
        try {
            Recording transport = attach();
            Future<Integer> writesAfterInner = pool.submit(() -> {
                assertNull(WriteBatch.open(), "a batch opened inside the task's own");
                backend.sink().chunk("a");
                return transport.writes.size();
            });
            assertEquals(1, writesAfterInner.get(30, TimeUnit.SECONDS), "the inner batch wrote");
            drain(pool);
            assertEquals(2, transport.writes.size(), "the task's batch did not write at its end");
        } finally {
            stop(pool);
        }
    }

    @Test
    void aContainerThreadWritesAtOnceWhileATaskOfThePoolHoldsItsOwnBatchOpen() throws Exception {
        ThreadPoolExecutor pool = BatchingExecutors.fixed(1, BatchingExecutors.threads("test-pool"));
        try {
            Recording held = attach();
            ChatSink heldSink = backend.sink();
            Recording direct = attach();
            ChatSink directSink = backend.sink();
            CountDownLatch appended = new CountDownLatch(1);
            CountDownLatch proceed = new CountDownLatch(1);
            pool.execute(() -> {
                heldSink.chunk("a");
                appended.countDown();
                try {
                    proceed.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(appended.await(30, TimeUnit.SECONDS));
            directSink.chunk("x"); // on the test's own thread, as a container's request thread would
            assertEquals(2, direct.writes.size(), "a thread the application did not make held its write back");
            assertEquals(1, held.writes.size(), "the task's event was written before its end");
            proceed.countDown();
            drain(pool);
            assertEquals(2, held.writes.size());
        } finally {
            stop(pool);
        }
    }

    @Test
    void aBatchingExecutorRefusesThreadsThatCannotCarryABatch() throws Exception {
        ThreadPoolExecutor pool = BatchingExecutors.fixed(1, Executors.defaultThreadFactory());
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.execute(() -> { }));
            assertTrue(e.getMessage().contains("BatchingExecutors.threads()"), e.getMessage());
        } finally {
            stop(pool);
        }
    }

    @Test
    void theBufferAnEventIsEncodedInIsTheApplicationThreadsOwn() throws Exception {
        long[] allocated = new long[2];
        onBatchThread(() -> allocated[0] = bytesAllocatedGettingEventBuffers());
        allocated[1] = bytesAllocatedGettingEventBuffers();
        assertTrue(allocated[0] < 10_000, "the application's thread allocated " + allocated[0]
                + " bytes for 10,000 events' buffers");
        assertTrue(allocated[1] > 10_000 * 128, "a container's thread got a buffer that someone keeps: "
                + allocated[1] + " bytes allocated for 10,000 events' buffers");
    }

    /** Bytes this thread allocated to get 10,000 event buffers, each written to, after as many to warm up. */
    private static long bytesAllocatedGettingEventBuffers() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long sum = fillEventBuffers(10_000);
        long before = threads.getThreadAllocatedBytes(id);
        sum += fillEventBuffers(10_000);
        long after = threads.getThreadAllocatedBytes(id);
        assertTrue(sum > 0);
        return after - before;
    }

    private static long fillEventBuffers(int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            ByteSink b = AppThread.eventBuffer();
            assertEquals(0, b.size(), "a buffer handed out with bytes in it");
            b.ascii("{\"type\":\"chunk\"}");
            sum += b.size();
        }
        return sum;
    }
}
