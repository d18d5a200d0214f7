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
     * Calls the visitor's method for this event's type. A new event type adds a method to {@link Visitor}, so every
     * consumer that must handle it (the JSON writer, for one) stops compiling until it does.
     */
    <R> R accept(Visitor<R> visitor);

    /** One method per event type. */
    interface Visitor<R> {
        R start(Start e);

        R reasoning(Reasoning e);

        R chunk(Chunk e);

        R toolCall(ToolCallEvent e);

        R toolResult(ToolResult e);

        R end(End e);

        R error(Error e);
    }

    /** The events that end a stream: {@link End} and {@link Error}. */
    sealed interface Terminal extends ChatEvent {
        @Override
        default boolean isTerminal() {
            return true;
        }

        /** Calls the visitor's method for this terminal event's type. */
        <R> R accept(TerminalVisitor<R> visitor);
    }

    /** One method per terminal event type, for those that care only how a stream ended. */
    interface TerminalVisitor<R> {
        R end(End e);

        R error(Error e);
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
        public <R> R accept(Visitor<R> visitor) {
            return visitor.start(this);
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
        public <R> R accept(Visitor<R> visitor) {
            return visitor.reasoning(this);
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
        public <R> R accept(Visitor<R> visitor) {
            return visitor.chunk(this);
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
        public <R> R accept(Visitor<R> visitor) {
            return visitor.toolCall(this);
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
        public <R> R accept(Visitor<R> visitor) {
            return visitor.toolResult(this);
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
    record End(FinishReason finishReason, Usage usage) implements Terminal {
        public End {
            Objects.requireNonNull(finishReason, "finishReason");
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.end(this);
        }

        @Override
        public <R> R accept(TerminalVisitor<R> visitor) {
            return visitor.end(this);
        }

        @Override
        public String type() {
            return "end";
        }
    }

    /** {@code {"type":"error","code":"upstream_error","error":"..."}}: the message is for people, never holds secrets. */
    record Error(ErrorCode code, String message) implements Terminal {
        public Error {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.error(this);
        }

        @Override
        public <R> R accept(TerminalVisitor<R> visitor) {
            return visitor.error(this);
        }

        @Override
        public String type() {
            return "error";
        }
    }
}
