package io.chatstream.bench;

import io.chatstream.backend.ChatSink;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

/** A sink that only counts what a decoder hands it, so a benchmark measures the decoder. */
public final class CountingSink implements ChatSink {

    public long chars;
    public int calls;
    public int terminals;

    @Override
    public void reasoning(String text) {
        chars += text.length();
        calls++;
    }

    @Override
    public void chunk(String text) {
        chars += text.length();
        calls++;
    }

    @Override
    public void toolCall(ToolCall call) {
        calls++;
    }

    @Override
    public void toolResult(String toolCallId, String result) {
        calls++;
    }

    @Override
    public void end(FinishReason reason, Usage usage) {
        terminals++;
    }

    @Override
    public void error(ErrorCode code, String message) {
        terminals++;
    }
}
