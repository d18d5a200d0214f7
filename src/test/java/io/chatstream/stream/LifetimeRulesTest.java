package io.chatstream.stream;

import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.config.ChatConfig;
import io.chatstream.config.Settings;
import io.chatstream.event.FinishReason;
import io.chatstream.testing.SseParser;
import io.chatstream.time.ManualScheduler;
import io.chatstream.tools.ServerTools;
import io.chatstream.wire.Framing;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream's lifetime on a clock the test moves: detach grace, maximum duration, retention, and the log being told
 * of the end and of the expiry. Every rule is checked a nanosecond before and at its time.
 */
class LifetimeRulesTest {

    private static final Duration NS = Duration.ofNanos(1);

    private final ManualScheduler clock = new ManualScheduler();
    private final ManualBackend manual = new ManualBackend();
    private final AtomicInteger cancels = manual.cancels;
    private final List<ChatSink> sinks = manual.sinks;
    private final List<String> logCalls = new ArrayList<>();


    /** In-memory logs that record what the stream tells them beyond its events. */
    private final EventLogs recordingLogs = id -> new ForwardingLog(new MemoryEventLog()) {
        @Override
        public void ended() {
            logCalls.add("ended " + id);
        }

        @Override
        public void release() {
            logCalls.add("release " + id);
        }
    };

    private StreamRegistry registry(Map<String, String> settings) {
        return new StreamRegistry(ChatConfig.load(Settings.of(settings)), manual, "manual", clock,
                StreamObserver.NONE, SecretMasker.NONE, ServerTools.NONE, recordingLogs, clock);
    }

    /** A stream opened on a registry of its own with these settings. */
    private ChatStream open(Map<String, String> settings) throws Exception {
        return registry(settings).open(ChatRequest.of("x"), "c", null, null);
    }

    private static String lastEvent(ChatStream s) {
        return new String(s.json(s.lastSeq()), StandardCharsets.UTF_8);
    }

    @Test
    void withNoReaderLeftTheGenerationRunsForTheDetachGraceThenIsCancelled() throws Exception {
        ChatStream s = open(Map.of("chat.stream.detach-grace-seconds", "15"));
        CountingReader r = new CountingReader();
        s.attach(r);
        clock.advance(Duration.ofSeconds(100));
        assertFalse(s.isTerminated(), "a read stream runs on");
        s.detach(r);
        clock.advance(Duration.ofSeconds(15).minus(NS));
        assertFalse(s.isTerminated());
        sinks.get(0).chunk("generated while nobody reads");
        clock.advance(NS);
        assertTrue(s.isTerminated());
        assertEquals("{\"type\":\"end\",\"finish_reason\":\"cancelled\"}", lastEvent(s));
        assertEquals(1, cancels.get(), "the backend is told to stop");
    }

    @Test
    void aReaderThatComesBackWithinTheGraceKeepsTheGenerationGoing() throws Exception {
        ChatStream s = open(Map.of("chat.stream.detach-grace-seconds", "15"));
        CountingReader first = new CountingReader();
        s.attach(first);
        s.detach(first);
        clock.advance(Duration.ofSeconds(14));
        s.attach(new CountingReader());
        clock.advance(Duration.ofSeconds(60));
        assertFalse(s.isTerminated(), "the grace timer was cancelled");
        assertEquals(0, cancels.get());
    }

    @Test
    void aConnectionThatLeavesBeforeAttachingStartsTheGraceAndAZeroGraceCancelsAtOnce() throws Exception {
        StreamRegistry graceful = registry(Map.of("chat.stream.detach-grace-seconds", "2"));
        ChatStream s = graceful.open(ChatRequest.of("x"), "c", null, null);
        s.unattachedReaderLeft();
        clock.advance(Duration.ofSeconds(2).minus(NS));
        assertFalse(s.isTerminated());
        clock.advance(NS);
        assertTrue(s.isTerminated());

        ChatStream now = open(Map.of("chat.stream.detach-grace-seconds", "0"));
        CountingReader r = new CountingReader();
        now.attach(r);
        now.detach(r);
        assertTrue(now.isTerminated(), "no timer: cancelled on the spot");
        assertEquals("{\"type\":\"end\",\"finish_reason\":\"cancelled\"}", lastEvent(now));
    }

    @Test
    void aGenerationEndsWithTimeoutAtItsMaximumDurationEvenWhileRead() throws Exception {
        StreamRegistry reg = registry(Map.of("chat.stream.max-duration-seconds", "60"));
        ChatStream s = reg.open(ChatRequest.of("x"), "c", null, null);
        CountingReader r = new CountingReader();
        s.attach(r);
        clock.advance(Duration.ofSeconds(60).minus(NS));
        assertFalse(s.isTerminated());
        assertEquals(1, reg.running());
        clock.advance(NS);
        assertTrue(s.isTerminated());
        assertEquals("{\"type\":\"end\",\"finish_reason\":\"timeout\"}", lastEvent(s));
        assertEquals(1, cancels.get());
        assertEquals(0, reg.running(), "its admission is freed");
        assertTrue(r.wakes > 0, "its reader is woken for the end");
    }

    @Test
    void anEndedStreamIsRetainedForItsResumesThenForgottenWithItsKey() throws Exception {
        StreamRegistry reg = registry(Map.of("chat.stream.retain-seconds", "300"));
        ChatStream s = reg.open(ChatRequest.of("x"), "c", null, "key-1");
        clock.advance(Duration.ofSeconds(5));
        sinks.get(0).end(FinishReason.STOP, null);
        assertEquals(List.of("ended " + s.id()), logCalls, "the log is told the end at once");
        clock.advance(Duration.ofSeconds(300).minus(NS));
        assertSame(s, reg.find(s.id()), "retained");
        assertSame(s, reg.findByIdempotencyKey("c", "key-1", null));
        clock.advance(NS);
        assertNull(reg.find(s.id()), "forgotten");
        assertNull(reg.findByIdempotencyKey("c", "key-1", null), "its key too");
        assertEquals(List.of("ended " + s.id(), "release " + s.id()), logCalls);
        assertNotNull(reg.open(ChatRequest.of("x"), "c", null, "key-1"), "the key starts a new reply");
    }

    @Test
    void withNoRetentionAnEndedStreamIsForgottenAtItsEnd() throws Exception {
        StreamRegistry reg = registry(Map.of("chat.stream.retain-seconds", "0"));
        ChatStream s = reg.open(ChatRequest.of("x"), "c", null, null);
        assertTrue(s.cancel());
        assertNull(reg.find(s.id()));
        assertEquals(List.of("ended " + s.id(), "release " + s.id()), logCalls);
        assertEquals(0, clock.pending(), "no timer is left behind");
    }

    @Test
    void theWebappsStopForgetsEveryStreamAndReleasesItsLogOnce() throws Exception {
        StreamRegistry reg = registry(Map.of());
        ChatStream running = reg.open(ChatRequest.of("x"), "c", null, null);
        ChatStream ended = reg.open(ChatRequest.of("y"), "c", null, null);
        ended.cancel();
        reg.shutdown();
        clock.advance(Duration.ofDays(1)); // the retention timer of the ended one finds it gone
        assertEquals(2, logCalls.stream().filter(c -> c.startsWith("release ")).count(), logCalls.toString());
        assertTrue(logCalls.contains("release " + running.id()));
        assertTrue(logCalls.contains("release " + ended.id()));
    }

    @Test
    void theStreamsAgeAndTimeToFirstTokenAreOnTheGivenClock() throws Exception {
        ChatStream s = open(Map.of());
        clock.advance(Duration.ofMillis(250));
        assertEquals(-1, s.firstTokenNanos());
        sinks.get(0).chunk("a");
        clock.advance(Duration.ofMillis(750));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(250), s.firstTokenNanos());
        assertEquals(TimeUnit.SECONDS.toNanos(1), s.ageNanos());
    }

    @Test
    void theStopWaitsForAReaderToWriteItsRetryOnlyUntilItHasAndAbortsOneThatCannot() throws Exception {
        StreamRegistry reg = registry(Map.of());
        ChatStream s = reg.open(ChatRequest.of("x"), "c", null, null);
        DeliveryTest.FakeTransport busy = new DeliveryTest.FakeTransport();
        DeliveryTest.FakeTransport stuck = new DeliveryTest.FakeTransport();
        Delivery.Pacing pacing = new Delivery.Pacing(TimeUnit.SECONDS.toNanos(15), 3000, 1 << 20,
                TimeUnit.SECONDS.toNanos(30), 0);
        Delivery willWrite = new Delivery(s, 0, Framing.SSE, busy, clock, clock, StreamObserver.NONE, pacing);
        Delivery never = new Delivery(s, 0, Framing.SSE, stuck, clock, clock, StreamObserver.NONE, pacing);
        willWrite.start(false);
        never.start(false);
        busy.ready = false;
        stuck.ready = false;

        long started = System.nanoTime();
        CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> reg.shutdown(Duration.ofMillis(300)));
        busy.ready = true;
        willWrite.onWritable(); // its socket drains while the webapp stops
        stop.get(10, TimeUnit.SECONDS);
        long took = System.nanoTime() - started;

        List<SseParser.Frame> frames = busy.frames();
        assertNotNull(frames.get(frames.size() - 1).retry(), "the reader wrote its retry");
        assertTrue(willWrite.isClosed() && busy.completed);
        assertTrue(never.isClosed() && stuck.completed, "the one that could not write is completed as it is");
        assertEquals(1, stuck.frames().stream().filter(f -> f.retry() != null).count(),
                "no retry from it beyond its first frame's");
        assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(300), "waited for the stuck one up to the bound");
        assertTrue(took < TimeUnit.SECONDS.toNanos(5), "no longer");
    }

    @Test
    void theStopReturnsAtOnceWhenEveryReaderHasClosed() throws Exception {
        StreamRegistry reg = registry(Map.of());
        ChatStream s = reg.open(ChatRequest.of("x"), "c", null, null);
        DeliveryTest.FakeTransport t = new DeliveryTest.FakeTransport();
        new Delivery(s, 0, Framing.SSE, t, clock, clock, StreamObserver.NONE,
                new Delivery.Pacing(TimeUnit.SECONDS.toNanos(15), 3000, 1 << 20, TimeUnit.SECONDS.toNanos(30), 0))
                .start(false);
        long started = System.nanoTime();
        reg.shutdown(Duration.ofMinutes(5));
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5), "no wait for a reader that is done");
        assertTrue(t.completed);
    }
}
