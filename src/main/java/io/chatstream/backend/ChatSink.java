package io.chatstream.backend;

import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

/**
 * Where a backend reports one reply. Calls must not overlap but may come from any thread; none of them blocks.
 * After the terminal call ({@link #end} or {@link #error}), or after the reply was cancelled, further calls are
 * ignored. Text is passed as produced: the stream keeps every code point, in order.
 */
public interface ChatSink {

    /** A piece of the model's reasoning ("thinking"). Empty text is ignored. */
    void reasoning(String text);

    /** A piece of the answer. Empty text is ignored. */
    void chunk(String text);

    /** One complete tool call. */
    void toolCall(ToolCall call);

    /** The result of a tool the backend called itself. */
    void toolResult(String toolCallId, String result);

    /** Terminal: the reply ended; {@code usage} may be null when unknown. */
    void end(FinishReason reason, Usage usage);

    /**
     * Terminal: the reply failed. {@code message} is shown to users and operators: say what happened in words, and
     * never include a key, a token or a stack trace.
     */
    void error(ErrorCode code, String message);
}
