package io.chatstream.store;

import java.util.Objects;

/**
 * One conversation's own fields, without its messages.
 *
 * @param owner       who may see it: a principal, or the {@code chat_owner} cookie's id
 * @param title       null until the first message names it
 * @param system      the system prompt the model sees first, or null
 * @param currentLeaf the message the conversation is showing (the end of its current branch), or null when empty
 * @param createdAt   epoch milliseconds
 * @param updatedAt   epoch milliseconds of the last change or message: the list's order
 */
public record Conversation(String id, String owner, String title, String system, boolean pinned, String currentLeaf,
                           long createdAt, long updatedAt) {

    public Conversation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
    }
}
