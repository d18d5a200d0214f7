package io.chatstream.backend.demo;

import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;
import io.chatstream.time.ManualScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo backend's replies, on a clock the test moves: what comes, in which order, and that nothing follows. */
class DemoBackendTest {

    private final ManualScheduler scheduler = new ManualScheduler();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private DemoBackend backend(double tokensPerSecond, int replyTokens) {
        return new DemoBackend(scheduler, scheduler, tokensPerSecond, replyTokens);
    }

    /** Records sink calls as strings; the test's clock moves on until one is there. */
    class Recorder implements ChatSink {
        final Queue<String> calls = new ConcurrentLinkedQueue<>();

        @Override
        public void reasoning(String text) {
            calls.add("reasoning:" + text);
        }

        @Override
        public void chunk(String text) {
            calls.add("chunk:" + text);
        }

        @Override
        public void toolCall(ToolCall call) {
            calls.add("tool_call:" + call);
        }

        @Override
        public void toolResult(String toolCallId, String result) {
            calls.add("tool_result:" + toolCallId);
        }

        @Override
        public void end(FinishReason reason, Usage usage) {
            calls.add("end:" + reason + ":" + usage.completionTokens());
        }

        @Override
        public void error(ErrorCode code, String message) {
            calls.add("error:" + code);
        }

        /** The next call, moving the clock a millisecond at a time; none within 10 s of the test's time fails. */
        String next() {
            for (int ms = 0; calls.isEmpty() && ms < 10_000; ms++) {
                scheduler.advance(Duration.ofMillis(1));
            }
            String c = calls.poll();
            assertNotNull(c, "no sink call within 10 s of the test's clock");
            return c;
        }

        /** Calls up to and including the terminal one. */
        List<String> toEnd() {
            List<String> all = new java.util.ArrayList<>();
            while (true) {
                String c = next();
                all.add(c);
                if (c.startsWith("end:") || c.startsWith("error:")) {
                    return all;
                }
            }
        }
    }

    private static String joined(List<String> calls, String prefix) {
        StringBuilder b = new StringBuilder();
        calls.stream().filter(c -> c.startsWith(prefix)).forEach(c -> b.append(c.substring(prefix.length())));
        return b.toString();
    }

    @Test
    void tokensConcatenateToTheTextExactly() {
        for (String text : List.of("", " lead", "a  b\n\nc\t", "emoji \uD83D\uDE00 中文 x", "trail  ")) {
            assertEquals(text, String.join("", DemoBackend.tokens(text)));
        }
    }

    @Test
    void theReplyQuotesTheLastUserMessageVerbatimAndEndsOnce() throws Exception {
        ChatRequest request = new ChatRequest(List.of(ChatMessage.user("first"),
                new ChatMessage(ChatMessage.Role.ASSISTANT, "ok"), ChatMessage.user("<img src=x onerror=alert(1)>")),
                null, null, null);
        Recorder r = new Recorder();
        backend(2000, 0).start(request, r);
        List<String> calls = r.toEnd();
        assertEquals(DemoBackend.reasoningText(request), joined(calls, "reasoning:"));
        String answer = joined(calls, "chunk:");
        assertEquals(DemoBackend.answerText(request), answer);
        assertTrue(answer.contains("<img src=x onerror=alert(1)>"));
        assertTrue(answer.contains("## ") && answer.contains("\n- ") && answer.contains("```") && answer.contains("]("),
                "a heading, a list, a code block and a link");
        assertTrue(calls.get(calls.size() - 1).startsWith("end:STOP"));
        scheduler.advance(Duration.ofSeconds(1));
        assertNull(r.calls.poll(), "nothing after the terminal call");
        assertEquals(0, scheduler.pending(), "the backend's clock stopped with no reply left");
    }

    @Test
    void replyTokensGivesExactlyThatManyChunks() throws Exception {
        Recorder r = new Recorder();
        backend(5000, 500).start(ChatRequest.of("x"), r);
        List<String> calls = r.toEnd();
        assertEquals(500, calls.stream().filter(c -> c.startsWith("chunk:")).count());
    }

    @Test
    void maxTokensCutsWithLength() throws Exception {
        Recorder r = new Recorder();
        backend(5000, 0).start(new ChatRequest(List.of(ChatMessage.user("x")), null, null, 3), r);
        List<String> calls = r.toEnd();
        assertEquals(3, calls.stream().filter(c -> c.startsWith("chunk:")).count());
        assertTrue(calls.get(calls.size() - 1).startsWith("end:LENGTH"));
    }

    @Test
    void aReplyWhoseSinkFailsWithAnErrorEndsWithInternalAndOtherRepliesGoOn() throws Exception {
        DemoBackend backend = backend(200, 20);
        Recorder failing = new Recorder() {
            @Override
            public void chunk(String text) {
                throw new OutOfMemoryError("Java heap space (thrown by the test)");
            }
        };
        backend.start(ChatRequest.of("x"), failing);
        List<String> calls = failing.toEnd();
        assertEquals("error:INTERNAL", calls.get(calls.size() - 1));
        Recorder fine = new Recorder();
        backend.start(ChatRequest.of("y"), fine);
        List<String> after = fine.toEnd();
        assertEquals(20, after.stream().filter(c -> c.startsWith("chunk:")).count());
        assertTrue(after.get(after.size() - 1).startsWith("end:STOP"), after.toString());
    }

    @Test
    void cancelStopsTheReply() throws Exception {
        Recorder r = new Recorder();
        var g = backend(100, 0).start(ChatRequest.of("x"), r);
        assertTrue(r.next().startsWith("reasoning:"));
        g.cancel();
        scheduler.advance(Duration.ofSeconds(5)); // the rest of the reply fell due meanwhile
        assertNull(r.calls.poll(), "no call after cancel");
        assertEquals(0, scheduler.pending(), "the cancelled reply left the clock and the clock stopped");
    }
}
