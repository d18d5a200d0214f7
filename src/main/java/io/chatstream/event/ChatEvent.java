package io.chatstream.event;

import java.util.Objects;

/**
 * One event of a reply stream, as it appears on the wire (one JSON object, see {@code SPEC.md} section 3).
 *
 * <p>A stream is: one {@link Start}, then any number of {@link Reasoning}, {@link Chunk}, {@link ToolCallEvent}
 * and {@link ToolResult}, then exactly one terminal event, {@link End} or {@link Error}.
 */
public sealed interface ChatEvent {

    /** The {@code type} field on the wire. */
    String type();

    /** True for {@link End} and {@link Error}: nothing follows a terminal event. */
    default boolean isTerminal() {
        return false;
    }

    /**
     * {@code {"type":"start","stream_id":"...","model":"..."}}, plus {@code "conversation_id"}, {@code "message_id"}
     * and {@code "user_message_id"} when the reply belongs to a conversation kept on the server (null otherwise).
     */
    record Start(String streamId, String model, String conversationId, String messageId, String userMessageId)
            implements ChatEvent {
        public Start {
            Objects.requireNonNull(streamId, "streamId");
            Objects.requireNonNull(model, "model");
        }

        /** The start of a reply that belongs to no conversation. */
        public Start(String streamId, String model) {
            this(streamId, model, null, null, null);
        }

        @Override
        public String type() {
            return "start";
        }
    }

    /** {@code {"type":"reasoning","content":"..."}}: the model's thinking, shown apart from the answer. */
    record Reasoning(String content) implements ChatEvent {
        public Reasoning {
            Objects.requireNonNull(content, "content");
        }

        @Override
        public String type() {
            return "reasoning";
        }
    }

    /** {@code {"type":"chunk","content":"..."}}: a piece of the answer; all chunks concatenated are the answer. */
    record Chunk(String content) implements ChatEvent {
        public Chunk {
            Objects.requireNonNull(content, "content");
        }

        @Override
        public String type() {
            return "chunk";
        }
    }

    /** {@code {"type":"tool_call","tool_call":{"id":"...","name":"...","arguments":"{...}"}}}: one complete call. */
    record ToolCallEvent(ToolCall toolCall) implements ChatEvent {
        public ToolCallEvent {
            Objects.requireNonNull(toolCall, "toolCall");
        }

        @Override
        public String type() {
            return "tool_call";
        }
    }

    /** {@code {"type":"tool_result","tool_call_id":"...","result":"..."}} */
    record ToolResult(String toolCallId, String result) implements ChatEvent {
        public ToolResult {
            Objects.requireNonNull(toolCallId, "toolCallId");
            Objects.requireNonNull(result, "result");
        }

        @Override
        public String type() {
            return "tool_result";
        }
    }

    /**
     * {@code {"type":"end","finish_reason":"stop","usage":{"prompt_tokens":1,"completion_tokens":2}}}; {@code usage}
     * is left out when the backend did not report it.
     */
    record End(FinishReason finishReason, Usage usage) implements ChatEvent {
        public End {
            Objects.requireNonNull(finishReason, "finishReason");
        }

        @Override
        public String type() {
            return "end";
        }

        @Override
        public boolean isTerminal() {
            return true;
        }
    }

    /** {@code {"type":"error","code":"upstream_error","error":"..."}}: the message is for people, never holds secrets. */
    record Error(ErrorCode code, String message) implements ChatEvent {
        public Error {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }

        @Override
        public String type() {
            return "error";
        }

        @Override
        public boolean isTerminal() {
            return true;
        }
    }
}
