package io.chatstream.diagnostics;

import io.chatstream.stream.Transport;
import io.chatstream.testing.SseParser;
import io.chatstream.testing.SseParser.Frame;
import io.chatstream.time.ManualScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs timed by a scheduler the test moves by hand: each event checked at its second, no real waiting. */
class DiagnosticsTest {

    private final ManualScheduler scheduler = new ManualScheduler();

    private Diagnostics diagnostics(int maxRuns, int maxRunsPerClient) {
        return new Diagnostics(scheduler, scheduler, 15, maxRuns, maxRunsPerClient);
    }

    private void advanceMillis(long n) {
        scheduler.advance(Duration.ofMillis(n));
    }

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
        Diagnostics d = diagnostics(4, 4);
        Recorder t = new Recorder();
        d.open("client", 2, 1).start(t);
        // two ticks a second apart, then a one-second silence: each event in its second, not before
        for (int second = 0; second < 3; second++) {
            assertEquals(second + 1, t.frames().size(), "at " + second + " s");
            advanceMillis(999);
            assertEquals(second + 1, t.frames().size(), "at " + second + ".999 s");
            advanceMillis(1);
        }
        assertEquals(0, t.completed.getCount(), "completed after the silence");
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
        assertEquals(0, d.running());
        assertEquals(0, scheduler.pending(), "no timer left");
    }

    @Test
    void writesOnlyWhenTheTransportIsReady() throws Exception {
        Diagnostics d = diagnostics(4, 4);
        Recorder t = new Recorder();
        t.ready = false;
        Diagnostics.Run run = d.open("client", 1, 0);
        run.start(t);
        advanceMillis(1300); // the tick and the idle end are due meanwhile
        assertEquals(0, t.bytes.size());
        t.ready = true;
        run.onWritable();
        assertEquals(0, t.completed.getCount());
        assertEquals(3, t.frames().size());
    }

    @Test
    void closingTheWebappEndsRunsWithAShutdownEvent() throws Exception {
        Diagnostics d = diagnostics(4, 4);
        Recorder t = new Recorder();
        d.open("client", 60, 600).start(t);
        d.close();
        assertEquals(0, t.completed.getCount(), "completed on the closing thread");
        List<Frame> frames = t.frames();
        assertEquals(2, frames.size(), frames.toString());
        assertTrue(frames.get(1).data().startsWith("{\"type\":\"shutdown\","));
        assertEquals(Diagnostics.Refusal.TOO_MANY, assertThrows(Diagnostics.RefusedException.class,
                () -> d.open("other", 1, 0), "no run opens once closed").refusal());
    }

    @Test
    void aRunWhoseSocketTakesNothingEndsAtOnceWhenTheWebappCloses() throws Exception {
        Diagnostics d = diagnostics(4, 4);
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
        Diagnostics d = diagnostics(4, 4);
        Recorder ended = new Recorder();
        Recorder other = new Recorder();
        Diagnostics.Run run = d.open("client", 60, 600);
        run.start(ended);
        d.open("client", 60, 600).start(other);
        run.shutdown();
        assertEquals(0, ended.completed.getCount(), "completed on the calling thread");
        List<Frame> frames = ended.frames();
        assertTrue(frames.get(frames.size() - 1).data().startsWith("{\"type\":\"shutdown\","), frames.toString());
        assertEquals(1, d.running(), "the other run goes on");
        assertEquals(1, other.completed.getCount());
        d.close();
    }

    @Test
    void aCancelledRunWritesNothingMore() throws Exception {
        Diagnostics d = diagnostics(4, 4);
        Recorder t = new Recorder();
        Diagnostics.Run run = d.open("client", 3, 0);
        run.start(t);
        run.cancel();
        int written = t.bytes.size();
        advanceMillis(5000); // the three ticks were due meanwhile
        assertEquals(written, t.bytes.size());
        assertEquals(0, d.running());
        assertEquals(0, scheduler.pending(), "its timer was cancelled");
    }

    @Test
    void atMostMaxRunsAtOnce() throws Exception {
        Diagnostics d = diagnostics(2, 2);
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
        Diagnostics d = diagnostics(4, 2);
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
        Diagnostics d = diagnostics(4, 4);
        Recorder left = new Recorder();
        Recorder stays = new Recorder();
        d.open("a", 1, 600).start(left);
        d.open("b", 1, 600).start(stays);
        d.open("c", 1, 600).start(new Recorder());
        // all are silent after their tick; three of four places taken, then two: short
        advanceMillis(1000);
        assertTrue(has(left, frames -> frames.size() == 2) && has(stays, frames -> frames.size() == 2));
        left.gone = true;
        // the first probe's write fails (as the first write after a peer closed may not), or the second does
        advanceMillis(2000L * Diagnostics.PROBE_SECONDS);
        assertEquals(0, left.completed.getCount(), "the run ended within two probes");
        assertEquals(2, d.running(), "its place is free");
        assertTrue(has(stays, frames -> frames.stream().anyMatch(f -> "probe".equals(f.comment()))),
                "the run that stays was probed");
        long silenceEnds = Duration.ofSeconds(1 + 600).toNanos();
        scheduler.advance(Duration.ofNanos(silenceEnds - scheduler.nanoTime() - 1));
        assertEquals(1, stays.completed.getCount(), "the run that stays goes on to the end of its silence");
        scheduler.advance(Duration.ofNanos(1));
        assertEquals(0, stays.completed.getCount());
        d.close();
    }

    @Test
    void silencesStaySilentWhilePlacesAreFree() throws Exception {
        Diagnostics d = diagnostics(8, 2);
        Recorder t = new Recorder();
        d.open("a", 1, Diagnostics.PROBE_SECONDS + 1).start(t);
        advanceMillis(1000L * (Diagnostics.PROBE_SECONDS + 2));
        assertEquals(0, t.completed.getCount());
        List<Frame> frames = t.frames();
        assertEquals(3, frames.size(), "hello, tick, idle_end and nothing between: " + frames);
        assertTrue(frames.stream().allMatch(Frame::isEvent), frames.toString());
    }

    private static boolean has(Recorder t, Predicate<List<Frame>> condition) {
        return condition.test(t.frames());
    }
}
