package io.chatstream.store;

/**
 * Changes to a conversation; a null field is left as it is.
 *
 * @param currentLeaf must be a message of the conversation
 */
public record ConversationPatch(String title, Boolean pinned, String currentLeaf) {
}
