package io.chatstream.backend.demo;

import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo backend on its shared clock: pace, exact token boundaries, repeated answers. */
class DemoBackendClockTest {

    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(2);

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private static final class Recorder implements ChatSink {
        final List<String> reasoning = new CopyOnWriteArrayList<>();
        final List<String> chunks = new CopyOnWriteArrayList<>();
        final List<Long> chunkNanos = new CopyOnWriteArrayList<>();
        final CountDownLatch ended = new CountDownLatch(1);
        volatile FinishReason reason;
        volatile Usage usage;
        volatile int terminals;

        @Override
        public void reasoning(String text) {
            reasoning.add(text);
        }

        @Override
        public void chunk(String text) {
            chunks.add(text);
            chunkNanos.add(System.nanoTime());
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
            ended.countDown();
        }

        @Override
        public void error(ErrorCode code, String message) {
            terminals++;
            ended.countDown();
        }
    }

    private Recorder run(DemoBackend backend, ChatRequest request) throws InterruptedException {
        Recorder r = new Recorder();
        backend.start(request, r);
        assertTrue(r.ended.await(10, TimeUnit.SECONDS), "no end");
        Thread.sleep(20);
        assertEquals(1, r.terminals);
        return r;
    }

    @Test
    void theNaturalReplyComesTokenByTokenAsTokensSplitsIt() throws Exception {
        ChatRequest request = ChatRequest.of("Quote me: \"<b>\" \u00e9 \ud83d\ude00\nsecond line");
        Recorder r = run(new DemoBackend(scheduler, 2000, 0), request);
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
        Recorder r = run(new DemoBackend(scheduler, 5000, natural.size() * 2 + 3), request);
        assertEquals(natural.size() * 2 + 3, r.chunks.size());
        for (int i = 0; i < r.chunks.size(); i++) {
            assertEquals(natural.get(i % natural.size()), r.chunks.get(i), "chunk " + i);
        }
        assertEquals(FinishReason.STOP, r.reason);
    }

    @Test
    void tokensComeAtThePaceAsked() throws Exception {
        ChatRequest request = ChatRequest.of("hi");
        long started = System.nanoTime();
        Recorder r = run(new DemoBackend(scheduler, 100, 20), request);
        // the 20th chunk is due at least 19 intervals of 10 ms after the reply began; it never comes early. It may
        // come late, and a late first chunk lets the others catch up, so the span is measured from the start, not
        // from the first chunk (on a busy machine that span can be shorter than 19 intervals)
        long span = r.chunkNanos.get(19) - started;
        assertTrue(span >= TimeUnit.MILLISECONDS.toNanos(189) && span < TimeUnit.MILLISECONDS.toNanos(2000),
                "the 20th chunk came " + span / 1_000_000 + " ms after the start");
    }
}
