package io.chatstream.backend.testing;

import io.chatstream.backend.ChatSink;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A {@link ChatSink} that records every call on a queue, for assertions in order. It also fails the test when calls
 * overlap or when anything follows a terminal call (seen by {@link #assertNoMoreCalls}).
 */
public final class RecordingSink implements ChatSink {

    /** One sink call. */
    public record Call(String kind, String text, ToolCall toolCall, FinishReason reason, Usage usage, ErrorCode code) {
        boolean isTerminal() {
            return kind.equals("end") || kind.equals("error");
        }

        @Override
        public String toString() {
            return switch (kind) {
                case "end" -> "end(" + reason + ", " + usage + ")";
                case "error" -> "error(" + code + ", " + text + ")";
                case "toolCall" -> "toolCall(" + toolCall + ")";
                default -> kind + "(" + text + ")";
            };
        }
    }

    /** Everything of one reply, from its first call to its terminal one. */
    public record Reply(String reasoning, String answer, List<ToolCall> toolCalls, List<Call> calls, Call terminal) {
        /** The reply's {@code end}; fails when it ended with an error. */
        public Call end() {
            if (!terminal.kind().equals("end")) {
                fail("expected end but was " + terminal);
            }
            return terminal;
        }
    }

    private final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();
    private final AtomicInteger inside = new AtomicInteger();
    private volatile String overlap;

    @Override
    public void reasoning(String text) {
        record(new Call("reasoning", text, null, null, null, null));
    }

    @Override
    public void chunk(String text) {
        record(new Call("chunk", text, null, null, null, null));
    }

    @Override
    public void toolCall(ToolCall call) {
        record(new Call("toolCall", null, call, null, null, null));
    }

    @Override
    public void toolResult(String toolCallId, String result) {
        record(new Call("toolResult", toolCallId + "=" + result, null, null, null, null));
    }

    @Override
    public void end(FinishReason reason, Usage usage) {
        record(new Call("end", null, null, reason, usage, null));
    }

    @Override
    public void error(ErrorCode code, String message) {
        record(new Call("error", message, null, null, null, code));
    }

    private void record(Call call) {
        if (inside.incrementAndGet() != 1) {
            overlap = "overlapping sink calls at " + call;
        }
        try {
            calls.add(call);
        } finally {
            inside.decrementAndGet();
        }
    }

    /** The next call, waiting up to 10 s. */
    public Call next() {
        try {
            Call call = calls.poll(10, TimeUnit.SECONDS);
            if (call == null) {
                fail("no sink call within 10 s");
            }
            return call;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public void assertReasoning(String text) {
        assertCall("reasoning", text);
    }

    public void assertChunk(String text) {
        assertCall("chunk", text);
    }

    public void assertToolCall(ToolCall expected) {
        Call call = next();
        assertEquals("toolCall", call.kind(), () -> "expected a tool call but was " + call);
        assertEquals(expected, call.toolCall());
    }

    public void assertEnd(FinishReason reason, Usage usage) {
        Call call = next();
        assertEquals("end", call.kind(), () -> "expected end but was " + call);
        assertEquals(reason, call.reason());
        assertEquals(usage, call.usage());
    }

    /** Waits for the terminal call, skipping content; returns its message after checking it is {@code code}. */
    public String awaitError(ErrorCode code) {
        Call terminal = awaitReply().terminal();
        assertEquals("error", terminal.kind(), () -> "expected error " + code + " but was " + terminal);
        assertEquals(code, terminal.code(), () -> "wrong code, message: " + terminal.text());
        assertNotNull(terminal.text());
        return terminal.text();
    }

    /** Collects calls up to and including the terminal one. */
    public Reply awaitReply() {
        StringBuilder reasoning = new StringBuilder();
        StringBuilder answer = new StringBuilder();
        List<ToolCall> tools = new ArrayList<>();
        List<Call> all = new ArrayList<>();
        while (true) {
            Call call = next();
            all.add(call);
            switch (call.kind()) {
                case "reasoning" -> reasoning.append(call.text());
                case "chunk" -> answer.append(call.text());
                case "toolCall" -> tools.add(call.toolCall());
                default -> {
                }
            }
            if (call.isTerminal()) {
                assertNull(overlap, overlap);
                return new Reply(reasoning.toString(), answer.toString(), tools, all, call);
            }
        }
    }

    /** Fails if any call comes within {@code wait}: after a terminal call nothing may follow. */
    public void assertNoMoreCalls(Duration wait) {
        try {
            Call call = calls.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (call != null) {
                fail("unexpected call after the end: " + call);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        assertNull(overlap, overlap);
    }

    /** Fails if a call is waiting now. */
    public void assertExhausted() {
        assertNull(calls.peek(), () -> "unexpected call: " + calls.peek());
        assertNull(overlap, overlap);
    }

    private void assertCall(String kind, String text) {
        Call call = next();
        assertEquals(kind + "(" + text + ")", call.toString());
    }
}
