package io.chatstream.store;

import java.util.Objects;

/**
 * One message of a conversation's tree.
 *
 * @param parentId  null for a message at the root
 * @param role      {@code user}, {@code assistant}, {@code system} or {@code tool}
 * @param toolCalls the assistant's tool calls as a JSON array, or null
 * @param usage     the tokens the backend reported for a reply, or null
 * @param streamId  the stream that writes or wrote a reply, or null
 * @param createdAt epoch milliseconds
 */
public record Message(String id, String conversationId, String parentId, String role, String content,
                      String reasoning, String toolCalls, String toolCallId, String model, TokenUsage usage,
                      MessageStatus status, String streamId, long createdAt) {

    public Message {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(status, "status");
    }

    /** A finished user message. */
    public static Message user(String id, String conversationId, String parentId, String content, long createdAt) {
        return new Message(id, conversationId, parentId, "user", content, null, null, null, null, null,
                MessageStatus.DONE, null, createdAt);
    }

    /** A reply that has just begun: no text yet, written by stream {@code streamId}. */
    public static Message streamingReply(String id, String conversationId, String parentId, String model,
                                         String streamId, long createdAt) {
        return new Message(id, conversationId, parentId, "assistant", "", null, null, null, model, null,
                MessageStatus.STREAMING, streamId, createdAt);
    }

    /** Tokens of one reply. */
    public record TokenUsage(int promptTokens, int completionTokens) {
    }
}
