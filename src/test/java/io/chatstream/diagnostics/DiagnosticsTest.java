package io.chatstream.diagnostics;

import io.chatstream.stream.Transport;
import io.chatstream.testing.SseParser;
import io.chatstream.testing.SseParser.Frame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiagnosticsTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** A transport that keeps what is written and can refuse to be ready. */
    static final class Recorder implements Transport {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CountDownLatch completed = new CountDownLatch(1);
        volatile boolean ready = true;

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            if (!ready) {
                throw new AssertionError("written while not ready");
            }
            bytes.write(b, off, len);
        }

        @Override
        public void flush() {
        }

        @Override
        public void complete() {
            completed.countDown();
        }

        synchronized List<Frame> frames() {
            return new SseParser().feed(bytes.toByteArray());
        }
    }

    @Test
    void sendsHelloTicksOneASecondThenTheIdleEndAndCompletes() throws Exception {
        Diagnostics d = new Diagnostics(scheduler, 15, 4);
        Recorder t = new Recorder();
        long start = System.nanoTime();
        d.open(2, 1).start(t);
        assertTrue(t.completed.await(10, TimeUnit.SECONDS));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        List<Frame> frames = t.frames();
        assertEquals(4, frames.size(), frames.toString());
        assertTrue(frames.get(0).data().startsWith("{\"type\":\"hello\",\"server_time_ms\":"), frames.get(0).data());
        assertTrue(frames.get(0).data().endsWith(",\"ticks\":2,\"tick_millis\":1000,\"idle_seconds\":1,"
                + "\"keepalive_seconds\":15}"), frames.get(0).data());
        assertTrue(frames.get(1).data().startsWith("{\"type\":\"tick\",\"n\":1,"));
        assertTrue(frames.get(2).data().startsWith("{\"type\":\"tick\",\"n\":2,"));
        assertTrue(frames.get(3).data().startsWith("{\"type\":\"idle_end\","));
        for (int i = 0; i < frames.size(); i++) {
            assertEquals("diagnostics:" + (i + 1), frames.get(i).id());
        }
        // two ticks a second apart, then a one-second silence
        assertTrue(tookMillis >= 2900, "took " + tookMillis + " ms");
        assertEquals(0, d.running());
    }

    @Test
    void writesOnlyWhenTheTransportIsReady() throws Exception {
        Diagnostics d = new Diagnostics(scheduler, 15, 4);
        Recorder t = new Recorder();
        t.ready = false;
        Diagnostics.Run run = d.open(1, 0);
        run.start(t);
        Thread.sleep(1300); // the tick and the idle end are due meanwhile
        assertEquals(0, t.bytes.size());
        t.ready = true;
        run.onWritable();
        assertTrue(t.completed.await(5, TimeUnit.SECONDS));
        assertEquals(3, t.frames().size());
    }

    @Test
    void closingTheWebappEndsRunsWithAShutdownEvent() throws Exception {
        Diagnostics d = new Diagnostics(scheduler, 15, 4);
        Recorder t = new Recorder();
        d.open(60, 600).start(t);
        d.close();
        assertTrue(t.completed.await(5, TimeUnit.SECONDS));
        List<Frame> frames = t.frames();
        assertEquals(2, frames.size(), frames.toString());
        assertTrue(frames.get(1).data().startsWith("{\"type\":\"shutdown\","));
        assertNull(d.open(1, 0), "no run opens once closed");
    }

    @Test
    void aRunEndedByTheContainerGetsTheShutdownEventAndOthersGoOn() throws Exception {
        Diagnostics d = new Diagnostics(scheduler, 15, 4);
        Recorder ended = new Recorder();
        Recorder other = new Recorder();
        Diagnostics.Run run = d.open(60, 600);
        run.start(ended);
        d.open(60, 600).start(other);
        run.shutdown();
        assertTrue(ended.completed.await(5, TimeUnit.SECONDS));
        List<Frame> frames = ended.frames();
        assertTrue(frames.get(frames.size() - 1).data().startsWith("{\"type\":\"shutdown\","), frames.toString());
        assertEquals(1, d.running(), "the other run goes on");
        assertEquals(1, other.completed.getCount());
        d.close();
    }

    @Test
    void aCancelledRunWritesNothingMore() throws Exception {
        Diagnostics d = new Diagnostics(scheduler, 15, 4);
        Recorder t = new Recorder();
        Diagnostics.Run run = d.open(3, 0);
        run.start(t);
        run.cancel();
        int written = t.bytes.size();
        Thread.sleep(1300);
        assertEquals(written, t.bytes.size());
        assertEquals(0, d.running());
    }

    @Test
    void atMostMaxRunsAtOnce() {
        Diagnostics d = new Diagnostics(scheduler, 15, 2);
        Diagnostics.Run a = d.open(1, 0);
        assertNotNull(a);
        assertNotNull(d.open(1, 0));
        assertNull(d.open(1, 0));
        a.cancel();
        assertNotNull(d.open(1, 0), "a slot frees when a run ends");
    }

    @Test
    void durationIsBounded() {
        Diagnostics d = new Diagnostics(scheduler, 15, 2);
        assertThrows(IllegalArgumentException.class, () -> d.open(Diagnostics.MAX_TICKS + 1, 0));
        assertThrows(IllegalArgumentException.class, () -> d.open(1, Diagnostics.MAX_IDLE_SECONDS + 1));
        assertThrows(IllegalArgumentException.class, () -> d.open(0, 0));
        assertFalse(d.running() > 0);
    }
}
