package io.chatstream.stream;

import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.config.ChatConfig;
import io.chatstream.config.Settings;
import io.chatstream.event.FinishReason;
import io.chatstream.testing.SseParser;
import io.chatstream.wire.Framing;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pump against a transport the test controls: readiness, failures, the backlog bound. The rules in time are in
 * {@link DeliveryPacingTest}.
 */
class DeliveryTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private ChatSink sink;
    private ChatStream stream;

    /** A transport that is ready when the test says so and records what was written. */
    static final class FakeTransport implements Transport {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        volatile boolean ready = true;
        volatile boolean fail;
        volatile boolean completed;
        volatile int writes;

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (fail) {
                throw new IOException("Broken pipe");
            }
            writes++;
            written.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            if (fail) {
                throw new IOException("Broken pipe");
            }
        }

        @Override
        public void complete() {
            completed = true;
        }

        List<SseParser.Frame> frames() {
            return new SseParser().feed(written.toByteArray());
        }
    }

    @BeforeEach
    void open() throws Exception {
        ManualBackend backend = new ManualBackend();
        StreamRegistry reg = new StreamRegistry(ChatConfig.load(Settings.of(Map.of())), backend, ManualBackend.NAME,
                scheduler, StreamObserver.NONE);
        stream = reg.open(ChatRequest.of("x"), "c", null, null);
        sink = backend.sink();
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private Delivery delivery(FakeTransport t, int after, long maxBacklog) {
        return new Delivery(stream, after, Framing.SSE, t, scheduler, StreamObserver.NONE,
                new Delivery.Pacing(TimeUnit.SECONDS.toNanos(15), 3000, maxBacklog, TimeUnit.SECONDS.toNanos(30), 0));
    }

    @Test
    void aReaderEndedWhileTheStreamRunsGetsItsRetryAndLeavesTheStreamToOthers() {
        FakeTransport t = new FakeTransport();
        Delivery d = delivery(t, 0, 1 << 20);
        d.start(false);
        sink.chunk("a");
        assertEquals(1, stream.readerCount());

        d.shutdown(4321); // what the container's timeout of the response does
        List<SseParser.Frame> frames = t.frames();
        assertEquals(4321L, frames.get(frames.size() - 1).retry(), "the last frame tells when to come back");
        assertTrue(t.completed);
        assertTrue(d.isClosed());
        assertEquals(0, stream.readerCount(), "detached from the stream");
        assertFalse(stream.isTerminated(), "the stream goes on for the client's resume");

        sink.chunk("b");
        sink.end(FinishReason.STOP, null);
        FakeTransport resumed = new FakeTransport();
        delivery(resumed, 2, 1 << 20).start(true);
        assertEquals(List.of(stream.id() + ":3", stream.id() + ":4"),
                resumed.frames().stream().filter(SseParser.Frame::isEvent).map(SseParser.Frame::id).toList(),
                "the resume gets what came after");
    }

    @Test
    void anNdjsonReaderGetsOneLinePerEventNoRetryAndNothingOnShutdown() {
        FakeTransport t = new FakeTransport();
        Delivery d = new Delivery(stream, 0, Framing.NDJSON, t, scheduler, StreamObserver.NONE,
                new Delivery.Pacing(TimeUnit.SECONDS.toNanos(15), 3000, 1 << 20, TimeUnit.SECONDS.toNanos(30), 0));
        d.start(false);
        sink.chunk("a");
        d.shutdown(4321);
        assertEquals(new String(stream.json(1), StandardCharsets.UTF_8) + "\n{\"type\":\"chunk\",\"content\":\"a\"}\n",
                t.written.toString(StandardCharsets.UTF_8));
        assertTrue(t.completed);
        assertTrue(d.isClosed());
    }

    @Test
    void writesOnlyWhenReadyAndCatchesUpWhenWritable() {
        FakeTransport t = new FakeTransport();
        Delivery d = delivery(t, 0, 1 << 20);
        d.start(false);
        assertEquals(2, t.frames().size(), "retry, then start");
        t.ready = false;
        sink.chunk("a");
        sink.chunk("b");
        assertEquals(2, t.frames().size(), "nothing written while not ready");
        t.ready = true;
        d.onWritable();
        List<SseParser.Frame> frames = t.frames();
        assertEquals(4, frames.size());
        assertEquals(stream.id() + ":3", frames.get(3).id());
        sink.end(FinishReason.STOP, null);
        assertTrue(t.completed, "completed after the terminal event was written");
        assertTrue(d.isClosed());
        assertEquals(0, stream.readerCount());
    }

    @Test
    void resumesAfterTheGivenSeqInOneBatch() {
        sink.chunk("a");
        sink.chunk("b");
        sink.chunk("c");
        FakeTransport t = new FakeTransport();
        delivery(t, 2, 1 << 20).start(true);
        List<SseParser.Frame> frames = t.frames();
        assertEquals(3000L, frames.get(0).retry());
        assertEquals(List.of(stream.id() + ":3", stream.id() + ":4"),
                frames.stream().filter(SseParser.Frame::isEvent).map(SseParser.Frame::id).toList());
        assertEquals(1, t.writes, "replayed events go out in one write");
    }

    @Test
    void aStalledReaderFurtherBehindThanTheBoundIsDropped() {
        FakeTransport t = new FakeTransport();
        Delivery d = delivery(t, 0, 2048);
        d.start(false);
        t.ready = false;
        sink.chunk("x");
        d.wake(); // the transport said not ready: stalled from now
        for (int i = 0; i < 100 && !d.isClosed(); i++) {
            sink.chunk("0123456789".repeat(5));
        }
        assertTrue(d.isClosed(), "dropped");
        assertTrue(t.completed);
        assertEquals(0, stream.readerCount());
        assertFalse(stream.isTerminated(), "the generation goes on for a resume");
    }

    @Test
    void aFailedWriteDetachesTheReaderQuietly() {
        FakeTransport t = new FakeTransport();
        Delivery d = delivery(t, 0, 1 << 20);
        d.start(false);
        t.fail = true;
        sink.chunk("x");
        assertTrue(d.isClosed());
        assertEquals(0, stream.readerCount());
        int writes = t.writes;
        t.fail = false;
        sink.chunk("y");
        assertEquals(writes, t.writes, "a detached reader writes nothing more");
    }
}
