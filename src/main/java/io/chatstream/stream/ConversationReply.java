package io.chatstream.stream;

import java.util.Objects;

/**
 * The conversation message a stream writes ({@code SPEC.md} section 9), named in its {@code start} event.
 *
 * @param messageId     the reply's own message
 * @param userMessageId the user message it answers, or null for a reply at the root
 */
public record ConversationReply(String conversationId, String messageId, String userMessageId) {

    public ConversationReply {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(messageId, "messageId");
    }
}
