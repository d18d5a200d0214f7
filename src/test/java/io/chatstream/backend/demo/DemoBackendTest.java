package io.chatstream.backend.demo;

import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoBackendTest {

    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** Records sink calls as strings. */
    static class Recorder implements ChatSink {
        final BlockingQueue<String> calls = new LinkedBlockingQueue<>();

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

        String next() throws InterruptedException {
            String c = calls.poll(5, TimeUnit.SECONDS);
            assertNotNull(c, "no sink call within 5 s");
            return c;
        }

        /** Calls up to and including the terminal one. */
        List<String> toEnd() throws InterruptedException {
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
        new DemoBackend(scheduler, 2000, 0).start(request, r);
        List<String> calls = r.toEnd();
        assertEquals(DemoBackend.reasoningText(request), joined(calls, "reasoning:"));
        String answer = joined(calls, "chunk:");
        assertEquals(DemoBackend.answerText(request), answer);
        assertTrue(answer.contains("<img src=x onerror=alert(1)>"));
        assertTrue(answer.contains("## ") && answer.contains("\n- ") && answer.contains("```") && answer.contains("]("),
                "a heading, a list, a code block and a link");
        assertTrue(calls.get(calls.size() - 1).startsWith("end:STOP"));
        assertNull(r.calls.poll(100, TimeUnit.MILLISECONDS), "nothing after the terminal call");
    }

    @Test
    void replyTokensGivesExactlyThatManyChunks() throws Exception {
        Recorder r = new Recorder();
        new DemoBackend(scheduler, 5000, 500).start(ChatRequest.of("x"), r);
        List<String> calls = r.toEnd();
        assertEquals(500, calls.stream().filter(c -> c.startsWith("chunk:")).count());
    }

    @Test
    void maxTokensCutsWithLength() throws Exception {
        Recorder r = new Recorder();
        new DemoBackend(scheduler, 5000, 0).start(new ChatRequest(List.of(ChatMessage.user("x")), null, null, 3), r);
        List<String> calls = r.toEnd();
        assertEquals(3, calls.stream().filter(c -> c.startsWith("chunk:")).count());
        assertTrue(calls.get(calls.size() - 1).startsWith("end:LENGTH"));
    }

    @Test
    void aReplyWhoseSinkFailsWithAnErrorEndsWithInternalAndOtherRepliesGoOn() throws Exception {
        DemoBackend backend = new DemoBackend(scheduler, 200, 20);
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
        var g = new DemoBackend(scheduler, 100, 0).start(ChatRequest.of("x"), r);
        r.next();
        g.cancel();
        Thread.sleep(50);
        r.calls.clear();
        assertNull(r.calls.poll(200, TimeUnit.MILLISECONDS), "no call after cancel");
    }
}
