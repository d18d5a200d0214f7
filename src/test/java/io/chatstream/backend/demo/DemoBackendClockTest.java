package io.chatstream.backend.demo;

import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;
import io.chatstream.time.ManualScheduler;
import io.chatstream.time.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo backend on its shared clock, turned by a scheduler the test moves by hand: pace to the tick, exact token
 * boundaries, repeated answers.
 */
class DemoBackendClockTest {

    private final ManualScheduler scheduler = new ManualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private final class Recorder implements ChatSink {
        final List<String> reasoning = new CopyOnWriteArrayList<>();
        final List<Long> reasoningNanos = new CopyOnWriteArrayList<>();
        final List<String> chunks = new CopyOnWriteArrayList<>();
        final List<Long> chunkNanos = new CopyOnWriteArrayList<>();
        volatile FinishReason reason;
        volatile Usage usage;
        volatile int terminals;

        @Override
        public void reasoning(String text) {
            reasoning.add(text);
            reasoningNanos.add(scheduler.nanoTime());
        }

        @Override
        public void chunk(String text) {
            chunks.add(text);
            chunkNanos.add(scheduler.nanoTime());
        }

        @Override
        public void toolCall(ToolCall call) {
        }

        @Override
        public void toolResult(String toolCallId, String result) {
        }

        @Override
        public void end(FinishReason r, Usage u) {
            reason = r;
            usage = u;
            terminals++;
        }

        @Override
        public void error(ErrorCode code, String message) {
            terminals++;
        }
    }

    private DemoBackend backend(double tokensPerSecond, int replyTokens) {
        return new DemoBackend(scheduler, scheduler, tokensPerSecond, replyTokens);
    }

    /** Runs a reply to its end, the clock moved a millisecond at a time, then a second more: one terminal call. */
    private Recorder run(DemoBackend backend, ChatRequest request) {
        Recorder r = new Recorder();
        backend.start(request, r);
        for (int ms = 0; r.terminals == 0 && ms < 60_000; ms++) {
            scheduler.advance(Duration.ofMillis(1));
        }
        assertEquals(1, r.terminals, "no end within a minute of the test's clock");
        scheduler.advance(Duration.ofSeconds(1));
        assertEquals(1, r.terminals);
        assertEquals(0, scheduler.pending(), "the clock stopped with no reply left");
        return r;
    }

    @Test
    void theNaturalReplyComesTokenByTokenAsTokensSplitsIt() throws Exception {
        ChatRequest request = ChatRequest.of("Quote me: \"<b>\" \u00e9 \ud83d\ude00\nsecond line");
        Recorder r = run(backend(2000, 0), request);
        assertEquals(DemoBackend.reasoningText(request), String.join("", r.reasoning));
        assertEquals(DemoBackend.answerText(request), String.join("", r.chunks));
        assertEquals(DemoBackend.tokens(DemoBackend.answerText(request)), r.chunks);
        assertEquals(FinishReason.STOP, r.reason);
        assertEquals(r.reasoning.size() + r.chunks.size(), r.usage.completionTokens());
    }

    @Test
    void replyTokensMakesExactlyThatManyChunksOfTheNaturalTokensRepeated() throws Exception {
        ChatRequest request = ChatRequest.of("hi");
        List<String> natural = DemoBackend.tokens(DemoBackend.answerText(request));
        Recorder r = run(backend(5000, natural.size() * 2 + 3), request);
        assertEquals(natural.size() * 2 + 3, r.chunks.size());
        for (int i = 0; i < r.chunks.size(); i++) {
            assertEquals(natural.get(i % natural.size()), r.chunks.get(i), "chunk " + i);
        }
        assertEquals(FinishReason.STOP, r.reason);
    }

    @Test
    void tokensComeAtThePaceAsked() {
        ChatRequest request = ChatRequest.of("hi");
        long started = scheduler.nanoTime();
        Recorder r = run(backend(100, 20), request);
        // token n (reasoning first, then the answer) is due n intervals of 10 ms after the start; the clock serves it
        // in the tick it falls in, never before, at most one tick (1 ms) after
        List<Long> times = new java.util.ArrayList<>(r.reasoningNanos);
        times.addAll(r.chunkNanos);
        assertEquals(r.reasoning.size() + 20, times.size());
        for (int n = 1; n <= times.size(); n++) {
            long late = times.get(n - 1) - started - n * TimeUnit.MILLISECONDS.toNanos(10);
            assertTrue(late >= 0 && late <= TokenClock.TICK_NANOS, "token " + n + " came " + late + " ns off its time");
        }
    }

    @Test
    void aLateTurnCatchesUpAtOnceWithoutShiftingTheTokensAfter() {
        // a turn that runs 50 ms late (a busy machine) is the clock reading 50 ms ahead of the turn's due time
        AtomicLong lateBy = new AtomicLong();
        Ticker ticker = () -> scheduler.nanoTime() + lateBy.get();
        Recorder r = new Recorder();
        new DemoBackend(scheduler, ticker, 100, 20).start(ChatRequest.of("hi"), r);
        scheduler.advance(Duration.ofMillis(5));
        assertEquals(0, r.reasoning.size());
        lateBy.set(TimeUnit.MILLISECONDS.toNanos(50));
        scheduler.advance(Duration.ofMillis(1)); // one turn, at 56 ms: the tokens due at 10, 20, 30, 40 and 50 ms
        assertEquals(5, r.reasoning.size());
        assertEquals(List.of(ms(56), ms(56), ms(56), ms(56), ms(56)), r.reasoningNanos.subList(0, 5).stream()
                .map(t -> t + lateBy.get()).toList());
        scheduler.advance(Duration.ofMillis(3)); // up to 59 ms
        assertEquals(5, r.reasoning.size());
        scheduler.advance(Duration.ofMillis(1)); // the sixth keeps its own time, 60 ms, not 10 ms after the late turn
        assertEquals(6, r.reasoning.size());
        assertEquals(ms(60), r.reasoningNanos.get(5) + lateBy.get());
    }

    private static long ms(long n) {
        return TimeUnit.MILLISECONDS.toNanos(n);
    }
}
