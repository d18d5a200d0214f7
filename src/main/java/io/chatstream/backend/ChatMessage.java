package io.chatstream.backend;

import io.chatstream.event.ToolCall;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One message of the conversation sent with a request.
 *
 * @param content    the text; "" for an assistant message that only calls tools
 * @param toolCalls  the calls an assistant message made; empty otherwise
 * @param toolCallId for a {@link Role#TOOL} message, the id of the call it answers; null otherwise
 */
public record ChatMessage(Role role, String content, List<ToolCall> toolCalls, String toolCallId) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** A message of text only. */
    public ChatMessage(Role role, String content) {
        this(role, content, List.of(), null);
    }

    /** An assistant message that called tools (its text may be ""). */
    public static ChatMessage assistantCalls(String content, List<ToolCall> calls) {
        return new ChatMessage(Role.ASSISTANT, content, calls, null);
    }

    /** A tool's result, answering the call {@code toolCallId}. */
    public static ChatMessage toolResult(String toolCallId, String result) {
        return new ChatMessage(Role.TOOL, result, List.of(), Objects.requireNonNull(toolCallId, "toolCallId"));
    }

    /** The roles of {@code SPEC.md} section 2. */
    public enum Role {
        SYSTEM, USER, ASSISTANT, TOOL;

        /** The value on the wire, e.g. {@code user}. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The role named {@code value}, or null when there is none such. */
        public static Role fromWire(String value) {
            for (Role r : values()) {
                if (r.wire().equals(value)) {
                    return r;
                }
            }
            return null;
        }
    }

    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content);
    }
}
