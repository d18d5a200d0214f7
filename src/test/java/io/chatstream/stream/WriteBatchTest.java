package io.chatstream.stream;

import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.config.ChatConfig;
import io.chatstream.config.Settings;
import io.chatstream.wire.Framing;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteBatchTest {

    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private ChatSink sink;
    private final ChatBackend backend = new ChatBackend() {
        @Override
        public io.chatstream.backend.Generation start(ChatRequest request, ChatSink s) {
            sink = s;
            return () -> { };
        }

        @Override
        public String defaultModel() {
            return "test";
        }
    };
    private final StreamRegistry registry = new StreamRegistry(ChatConfig.load(Settings.of(Map.of())), backend,
            "test", scheduler, StreamObserver.NONE);

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
        Thread t = WriteBatch.threads("test-batch").newThread(() -> {
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
        sink.chunk("a");
        sink.chunk("b");
        sink.chunk("c");
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
        ChatSink firstSink = sink;
        Recording failing = attach(failingObserver);
        ChatSink failingSink = sink;
        Recording last = attach();
        ChatSink lastSink = sink;
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
        sink.chunk("a");
        sink.chunk("b");
        assertEquals(3, transport.writes.size());
    }

    @Test
    void aThreadOfTheContainerNeverOpensABatch() throws Exception {
        assertNull(WriteBatch.open(), "a batch opened on a thread the application did not make");
        Recording transport = attach();
        sink.chunk("a");
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
        sink.chunk("a");
        outer.close();
        assertEquals(2, transport.writes.size());
        sink.chunk("b");
        assertEquals(3, transport.writes.size(), "a closed batch still held a write back");
    }
}
