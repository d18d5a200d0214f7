package io.chatstream.diagnostics;

import io.chatstream.stream.Transport;
import io.chatstream.testing.SseParser;
import io.chatstream.testing.SseParser.Frame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
        /** The client went away: writes fail, as on a socket the peer closed. */
        volatile boolean gone;

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (!ready) {
                throw new AssertionError("written while not ready");
            }
            if (gone) {
                throw new IOException("Broken pipe");
            }
            bytes.write(b, off, len);
            notifyAll();
        }

        /** Waits up to 3 probe periods for what is written to satisfy {@code condition}. */
        synchronized boolean await(java.util.function.Predicate<List<Frame>> condition) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3L * Diagnostics.PROBE_SECONDS);
            while (!condition.test(frames())) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                wait(left);
            }
            return true;
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
        Diagnostics d = new Diagnostics(scheduler, 15, 4, 4);
        Recorder t = new Recorder();
        long start = System.nanoTime();
        d.open("client", 2, 1).start(t);
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
        Diagnostics d = new Diagnostics(scheduler, 15, 4, 4);
        Recorder t = new Recorder();
        t.ready = false;
        Diagnostics.Run run = d.open("client", 1, 0);
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
        Diagnostics d = new Diagnostics(scheduler, 15, 4, 4);
        Recorder t = new Recorder();
        d.open("client", 60, 600).start(t);
        d.close();
        assertTrue(t.completed.await(5, TimeUnit.SECONDS));
        List<Frame> frames = t.frames();
        assertEquals(2, frames.size(), frames.toString());
        assertTrue(frames.get(1).data().startsWith("{\"type\":\"shutdown\","));
        assertEquals(Diagnostics.Refusal.TOO_MANY, assertThrows(Diagnostics.RefusedException.class,
                () -> d.open("other", 1, 0), "no run opens once closed").refusal());
    }

    @Test
    void aRunWhoseSocketTakesNothingEndsAtOnceWhenTheWebappCloses() throws Exception {
        Diagnostics d = new Diagnostics(scheduler, 15, 4, 4);
        Recorder t = new Recorder();
        t.ready = false;
        d.open("client", 60, 600).start(t);
        d.close();
        assertEquals(0, t.completed.getCount(), "completed on the closing thread, without waiting for the socket");
        assertEquals(0, t.bytes.size());
        assertEquals(0, d.running());
    }

    @Test
    void aRunEndedByTheContainerGetsTheShutdownEventAndOthersGoOn() throws Exception {
        Diagnostics d = new Diagnostics(scheduler, 15, 4, 4);
        Recorder ended = new Recorder();
        Recorder other = new Recorder();
        Diagnostics.Run run = d.open("client", 60, 600);
        run.start(ended);
        d.open("client", 60, 600).start(other);
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
        Diagnostics d = new Diagnostics(scheduler, 15, 4, 4);
        Recorder t = new Recorder();
        Diagnostics.Run run = d.open("client", 3, 0);
        run.start(t);
        run.cancel();
        int written = t.bytes.size();
        Thread.sleep(1300);
        assertEquals(written, t.bytes.size());
        assertEquals(0, d.running());
    }

    @Test
    void atMostMaxRunsAtOnce() throws Exception {
        Diagnostics d = new Diagnostics(scheduler, 15, 2, 2);
        Diagnostics.Run a = d.open("client", 1, 0);
        assertNotNull(a);
        assertNotNull(d.open("other", 1, 0));
        assertEquals(Diagnostics.Refusal.TOO_MANY, assertThrows(Diagnostics.RefusedException.class,
                () -> d.open("third", 1, 0)).refusal());
        a.cancel();
        assertNotNull(d.open("third", 1, 0), "a slot frees when a run ends");
    }

    @Test
    void oneClientCannotTakeThePlacesOfOthers() throws Exception {
        Diagnostics d = new Diagnostics(scheduler, 15, 4, 2);
        Diagnostics.Run first = d.open("greedy", 60, 600);
        d.open("greedy", 60, 600);
        assertEquals(Diagnostics.Refusal.TOO_MANY_FOR_CLIENT, assertThrows(Diagnostics.RefusedException.class,
                () -> d.open("greedy", 60, 600)).refusal());
        assertNotNull(d.open("modest", 60, 600), "another client still gets one");
        first.cancel();
        assertNotNull(d.open("greedy", 60, 600), "a client's place frees when its run ends");
        assertEquals(3, d.running());
        d.close();
    }

    @Test
    void aSilentRunWhoseClientLeftEndsWithinSecondsWhenPlacesAreShort() throws Exception {
        Diagnostics d = new Diagnostics(scheduler, 15, 4, 4);
        Recorder left = new Recorder();
        Recorder stays = new Recorder();
        d.open("a", 1, 600).start(left);
        d.open("b", 1, 600).start(stays);
        d.open("c", 1, 600).start(new Recorder());
        // all are silent after their tick; three of four places taken, then two: short
        assertTrue(awaitFrames(left, 2) && awaitFrames(stays, 2));
        left.gone = true;
        long start = System.nanoTime();
        assertTrue(left.completed.await(3L * Diagnostics.PROBE_SECONDS, TimeUnit.SECONDS), "the run ended");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3L * Diagnostics.PROBE_SECONDS));
        assertEquals(2, d.running(), "its place is free");
        assertTrue(awaitComment(stays, "probe"), "the run that stays was probed, and goes on");
        assertEquals(1, stays.completed.getCount());
        d.close();
    }

    @Test
    void silencesStaySilentWhilePlacesAreFree() throws Exception {
        Diagnostics d = new Diagnostics(scheduler, 15, 8, 2);
        Recorder t = new Recorder();
        d.open("a", 1, Diagnostics.PROBE_SECONDS + 1).start(t);
        assertTrue(t.completed.await(10, TimeUnit.SECONDS));
        List<Frame> frames = t.frames();
        assertEquals(3, frames.size(), "hello, tick, idle_end and nothing between: " + frames);
        assertTrue(frames.stream().allMatch(Frame::isEvent), frames.toString());
    }

    private static boolean awaitFrames(Recorder t, int n) throws InterruptedException {
        return t.await(frames -> frames.size() >= n);
    }

    private static boolean awaitComment(Recorder t, String comment) throws InterruptedException {
        return t.await(frames -> frames.stream().anyMatch(f -> comment.equals(f.comment())));
    }
}
