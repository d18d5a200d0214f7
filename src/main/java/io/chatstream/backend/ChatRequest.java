package io.chatstream.backend;

import java.util.List;
import java.util.Objects;

/**
 * What a client asked for ({@code SPEC.md} section 2), validated.
 *
 * @param messages    the conversation, oldest first; never empty
 * @param model       the model asked for, or null for the backend's default
 * @param temperature null when not given
 * @param maxTokens   null when not given
 * @param tools       the functions the model may call; empty when none
 * @param toolChoice  null when not given (the provider's default, "auto" when there are tools)
 */
public record ChatRequest(List<ChatMessage> messages, String model, Double temperature, Integer maxTokens,
                          List<ToolDefinition> tools, ToolChoice toolChoice) {

    public ChatRequest {
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a request needs at least one message");
        }
        tools = tools == null ? List.of() : List.copyOf(tools);
    }

    /** A request with no tools. */
    public ChatRequest(List<ChatMessage> messages, String model, Double temperature, Integer maxTokens) {
        this(messages, model, temperature, maxTokens, List.of(), null);
    }

    /** This request with another history (a server tool's next round). */
    public ChatRequest withMessages(List<ChatMessage> newMessages) {
        return new ChatRequest(newMessages, model, temperature, maxTokens, tools, toolChoice);
    }

    /** This request with other tools offered. */
    public ChatRequest withTools(List<ToolDefinition> newTools, ToolChoice newChoice) {
        return new ChatRequest(messages, model, temperature, maxTokens, newTools, newChoice);
    }

    /** A request of one user message. */
    public static ChatRequest of(String userMessage) {
        return new ChatRequest(List.of(ChatMessage.user(userMessage)), null, null, null);
    }

    /** The content of the last user message, or "" when there is none. */
    public String lastUserMessage() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == ChatMessage.Role.USER) {
                return messages.get(i).content();
            }
        }
        return "";
    }
}
