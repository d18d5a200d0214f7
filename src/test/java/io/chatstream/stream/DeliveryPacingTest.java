package io.chatstream.stream;

import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.config.ChatConfig;
import io.chatstream.config.Settings;
import io.chatstream.event.FinishReason;
import io.chatstream.stream.DeliveryTest.FakeTransport;
import io.chatstream.stream.StreamObserver.DetachReason;
import io.chatstream.testing.SseParser;
import io.chatstream.time.ManualScheduler;
import io.chatstream.tools.ServerTools;
import io.chatstream.wire.Framing;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reader's pace on a clock the test moves: the minimum write interval, keep-alives, the stall timeout and the
 * backlog bound. Every rule is checked a nanosecond before and at its time.
 */
class DeliveryPacingTest {

    private static final Duration NS = Duration.ofNanos(1);
    private static final long KEEP_ALIVE = TimeUnit.SECONDS.toNanos(15);
    private static final long STALL_TIMEOUT = TimeUnit.SECONDS.toNanos(30);

    private final ManualScheduler clock = new ManualScheduler();
    private final FakeTransport transport = new FakeTransport();
    private final List<DetachReason> detached = new ArrayList<>();
    private int keepAlives;
    private ChatSink sink;
    private ChatStream stream;

    /** Counts what the reader reports. */
    private final StreamObserver observer = new StreamObserver() {
        @Override
        public void keepAliveSent() {
            keepAlives++;
        }

        @Override
        public void readerDetached(StreamSource s, DetachReason reason) {
            detached.add(reason);
        }
    };

    @BeforeEach
    void open() throws Exception {
        ManualBackend backend = new ManualBackend();
        StreamRegistry reg = new StreamRegistry(ChatConfig.load(Settings.of(Map.of())), backend, ManualBackend.NAME,
                clock, StreamObserver.NONE, SecretMasker.NONE, ServerTools.NONE, EventLogs.IN_MEMORY, clock);
        stream = reg.open(ChatRequest.of("x"), "c", null, null);
        sink = backend.sink();
    }

    private Delivery reader(long maxBacklogBytes, Duration minWriteInterval) {
        return new Delivery(stream, 0, Framing.SSE, transport, clock, clock, observer,
                new Delivery.Pacing(KEEP_ALIVE, 3000, maxBacklogBytes, STALL_TIMEOUT, minWriteInterval.toNanos()));
    }

    private List<String> eventIds() {
        return transport.frames().stream().filter(SseParser.Frame::isEvent).map(SseParser.Frame::id).toList();
    }

    private String id(int seq) {
        return stream.id() + ":" + seq;
    }

    @Test
    void eventsWithinTheMinimumWriteIntervalShareOneWriteAtItsEnd() {
        Delivery d = reader(1 << 20, Duration.ofMillis(10));
        d.start(false);
        assertEquals(1, transport.writes, "the first frame goes out at once");
        sink.chunk("a");
        clock.advance(Duration.ofMillis(4));
        sink.chunk("b");
        sink.chunk("c");
        clock.advance(Duration.ofMillis(6).minus(NS));
        assertEquals(1, transport.writes, "nothing within the interval");
        clock.advance(NS);
        assertEquals(2, transport.writes, "the three events in one write at the interval's end");
        assertEquals(List.of(id(1), id(2), id(3), id(4)), eventIds());

        clock.advance(Duration.ofMillis(10)); // a quiet spell as long as the interval
        sink.end(FinishReason.STOP, null);
        assertEquals(3, transport.writes, "after a quiet spell the next event goes out at once");
        assertTrue(d.isClosed(), "completed after the terminal event");
        assertEquals(List.of(DetachReason.COMPLETED), detached);
    }

    /**
     * Tokens 50 ms apart (20 a second) are never held by a 10 ms interval; one written late holds the next, on
     * time, only for the rest of the interval after it: the interval can shorten a gap, never lengthen one.
     */
    @Test
    void atAReadersPaceTheIntervalHoldsOnlyAnEventThatFollowsALateOne() {
        Delivery d = reader(1 << 20, Duration.ofMillis(10));
        d.start(false);
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofMillis(50));
            sink.chunk("on time ");
            assertEquals(2 + i, transport.writes, "a token 50 ms after the last write goes out at once");
        }
        clock.advance(Duration.ofMillis(95)); // the next token is 45 ms late
        sink.chunk("late ");
        assertEquals(5, transport.writes);
        clock.advance(Duration.ofMillis(5)); // and the one after it on time, 5 ms after that write
        sink.chunk("held ");
        clock.advance(Duration.ofMillis(5).minus(NS));
        assertEquals(5, transport.writes, "held while the interval after the late write runs");
        clock.advance(NS);
        assertEquals(6, transport.writes, "written when it is over: a gap of 10 ms, not longer");
        clock.advance(Duration.ofMillis(45));
        sink.chunk("on time ");
        assertEquals(7, transport.writes, "the pace goes on from the due times, at once again");
        assertEquals(7, eventIds().size(), "start and six tokens, each once");
        d.abort();
    }

    @Test
    void withNoMinimumIntervalEveryEventIsWrittenAtOnce() {
        reader(1 << 20, Duration.ZERO).start(false);
        sink.chunk("a");
        sink.chunk("b");
        assertEquals(3, transport.writes);
        assertEquals(2, clock.pending(), "the keep-alive check and the stream's maximum duration: no write timer");
    }

    @Test
    void aKeepAliveGoesOutAfterEachFullPeriodWithoutAWrite() {
        reader(1 << 20, Duration.ZERO).start(false);
        clock.advance(Duration.ofNanos(KEEP_ALIVE).minus(NS));
        assertEquals(0, keepAlives);
        clock.advance(NS);
        assertEquals(1, keepAlives, "15 s idle");
        List<SseParser.Frame> frames = transport.frames();
        SseParser.Frame last = frames.get(frames.size() - 1);
        assertTrue(last.comment() != null && !last.isEvent(), "a comment: " + last);

        clock.advance(Duration.ofSeconds(5));
        sink.chunk("a"); // written at 20 s: the idle period starts again
        clock.advance(Duration.ofSeconds(15).minus(NS));
        assertEquals(1, keepAlives, "no keep-alive 15 s after the last but 15 s after the last write");
        clock.advance(NS);
        assertEquals(2, keepAlives);
        clock.advance(Duration.ofNanos(KEEP_ALIVE));
        assertEquals(3, keepAlives);
    }

    @Test
    void aReaderWhoseSocketTakesNothingForTheStallTimeoutIsDropped() {
        Delivery d = reader(1 << 20, Duration.ZERO);
        d.start(false);
        transport.ready = false;
        sink.chunk("a"); // the socket takes nothing from now on
        clock.advance(Duration.ofNanos(STALL_TIMEOUT).minus(NS));
        assertFalse(d.isClosed());
        clock.advance(NS);
        assertTrue(d.isClosed(), "checked with the keep-alive, every 15 s: dropped at 30 s");
        assertEquals(List.of(DetachReason.TOO_SLOW), detached);
        assertTrue(transport.completed);
        assertFalse(stream.isTerminated(), "the generation goes on for a resume");
    }

    @Test
    void aSocketThatDrainsBeforeTheStallTimeoutKeepsItsReader() {
        Delivery d = reader(1 << 20, Duration.ZERO);
        d.start(false);
        transport.ready = false;
        sink.chunk("a");
        clock.advance(Duration.ofSeconds(29));
        transport.ready = true;
        d.onWritable();
        assertEquals(List.of(id(1), id(2)), eventIds());
        clock.advance(Duration.ofMinutes(5));
        assertFalse(d.isClosed());
        assertTrue(keepAlives > 0);
    }

    @Test
    void theBacklogBoundDropsOnlyAStalledReaderAtTheEventThatPassesIt() {
        Delivery d = reader(1024, Duration.ofMillis(10));
        d.start(false);
        String text = "0123456789".repeat(10);
        for (int i = 0; i < 20; i++) {
            sink.chunk(text); // 2 KiB waiting for the interval's end: behind, but not stalled
        }
        assertTrue(stream.bytesAfter(1) > 1024);
        assertFalse(d.isClosed(), "a reader waiting for its interval is not too slow");
        clock.advance(Duration.ofMillis(10));
        assertEquals(stream.lastSeq(), eventIds().size(), "caught up at the interval's end");

        clock.advance(Duration.ofMillis(10));
        transport.ready = false;
        sink.chunk(text); // written? no: the socket takes nothing, the reader is stalled from here
        int stalledAt = stream.lastSeq() - 1;
        while (stream.bytesAfter(stalledAt) <= 1024) {
            assertFalse(d.isClosed(), "within the bound");
            sink.chunk(text);
        }
        assertTrue(d.isClosed(), "dropped at the event that took it past the bound");
        assertEquals(List.of(DetachReason.TOO_SLOW), detached);
    }
}
