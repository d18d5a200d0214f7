package io.chatstream.conversation;

import io.chatstream.store.ConversationStore;

import java.time.Clock;

/**
 * Conversations kept on the server ({@code SPEC.md} section 9): the store, the recorder that saves replies, and
 * the clock both go by. Present only where {@code chat.store.url} is not {@code off}.
 */
public record Conversations(ConversationStore store, ReplyRecorder replies, Clock clock) {
}
