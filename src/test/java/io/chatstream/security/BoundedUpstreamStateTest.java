package io.chatstream.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.upstream.ThinkSplitter;
import io.chatstream.backend.upstream.ToolCallAssembler;
import io.chatstream.backend.upstream.UpstreamException;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;
import io.chatstream.testing.SseRecorder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an upstream can make a reply hold in memory is bounded even where every single event is small: state that
 * waits for more (leading whitespace before a possible {@code <think>}, tool calls before their finish) has a cap.
 */
class BoundedUpstreamStateTest {

    @Test
    void whitespaceThatMightPrecedeAThinkBlockIsHeldOnlySoLong() {
        List<String> chunks = new ArrayList<>();
        ThinkSplitter splitter = new ThinkSplitter(new ChatSink() {
            @Override
            public void reasoning(String text) {
                throw new AssertionError("no reasoning: the block came after the answer began");
            }

            @Override
            public void chunk(String text) {
                chunks.add(text);
            }

            @Override
            public void toolCall(ToolCall call) {
            }

            @Override
            public void toolResult(String toolCallId, String result) {
            }

            @Override
            public void end(FinishReason reason, Usage usage) {
            }

            @Override
            public void error(ErrorCode code, String message) {
            }
        });
        StringBuilder sent = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            splitter.accept(" \n");
            sent.append(" \n");
        }
        splitter.accept("<think>not a block this late</think>");
        sent.append("<think>not a block this late</think>");
        splitter.flush();
        assertEquals(sent.toString(), String.join("", chunks), "all of it is answer, every character kept");
        assertTrue(chunks.size() > 1000, "streamed on once past the bound, not held to the end: " + chunks.size()
                + " chunks");
    }

    @Test
    void aReplyMayOpenOnlySoManyToolCalls() throws Exception {
        ToolCallAssembler calls = new ToolCallAssembler(1 << 20);
        for (int i = 0; i < 1024; i++) {
            calls.add(json("[{\"index\":" + i + ",\"function\":{\"name\":\"f\"}}]"));
        }
        calls.add(json("[{\"index\":7,\"function\":{\"arguments\":\"{}\"}}]")); // an open one may go on
        UpstreamException e = assertThrows(UpstreamException.class,
                () -> calls.add(json("[{\"index\":5000}]")));
        assertTrue(e.getMessage().contains("tool calls"), e.getMessage());
    }

    private static JsonNode json(String s) throws Exception {
        return SseRecorder.JSON.readTree(s);
    }
}
