package io.chatstream.store;

import java.util.List;
import java.util.Optional;

/** A conversation with all its messages, in the order they were added (a parent always before its children). */
public record ConversationTree(Conversation conversation, List<Message> messages) {

    public ConversationTree {
        messages = List.copyOf(messages);
    }

    /** The message {@code id} of this conversation. */
    public Optional<Message> message(String id) {
        return messages.stream().filter(m -> m.id().equals(id)).findFirst();
    }

    /**
     * The path from the root to {@code leafId}, root first; empty for a null leaf.
     *
     * @throws IllegalArgumentException {@code leafId} is not a message of this conversation
     */
    public List<Message> pathTo(String leafId) {
        java.util.Map<String, Message> byId = new java.util.HashMap<>();
        for (Message m : messages) {
            byId.put(m.id(), m);
        }
        java.util.ArrayDeque<Message> path = new java.util.ArrayDeque<>();
        String id = leafId;
        while (id != null) {
            Message m = byId.get(id);
            if (m == null || path.size() > messages.size()) {
                throw new IllegalArgumentException("not a message of this conversation: " + leafId);
            }
            path.addFirst(m);
            id = m.parentId();
        }
        return List.copyOf(path);
    }
}
