package io.chatstream.conversation;

import io.chatstream.backend.ChatMessage;
import io.chatstream.store.Message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the model sees of a conversation: its {@code system} first, then the path from the root to the new
 * message. A path longer than the backend takes ({@code chat.limits.max-messages} messages, or more than
 * {@code chat.limits.max-body-bytes} as a request body) loses whole turns from its oldest end only, never a message
 * in the middle: the model sees a conversation that begins later, not one with holes.
 */
public final class History {

    /** What a message costs in a JSON body beyond its text: {@code {"role":"assistant","content":""},}. */
    static final int MESSAGE_OVERHEAD = 40;

    private History() {
    }

    /**
     * @param system the conversation's system prompt, or null
     * @param path   root first; its last message is the newest, kept whatever its size
     */
    public static List<ChatMessage> forModel(String system, List<Message> path, int maxMessages, long maxBytes) {
        int budgetMessages = maxMessages - (system == null ? 0 : 1);
        long budgetBytes = maxBytes - (system == null ? 0 : size(system));
        int first = 0;
        long bytes = 0;
        for (Message m : path) {
            bytes += size(m.content());
        }
        while (first < path.size() - 1 && (path.size() - first > budgetMessages || bytes > budgetBytes)) {
            // drop a whole turn: the oldest message, then whatever follows it up to the next user message
            do {
                bytes -= size(path.get(first).content());
                first++;
            } while (first < path.size() - 1 && !path.get(first).role().equals("user"));
        }
        List<ChatMessage> out = new ArrayList<>(path.size() - first + 1);
        if (system != null) {
            out.add(new ChatMessage(ChatMessage.Role.SYSTEM, system));
        }
        for (Message m : path.subList(first, path.size())) {
            ChatMessage.Role role = ChatMessage.Role.fromWire(m.role());
            out.add(new ChatMessage(role == null ? ChatMessage.Role.USER : role, m.content()));
        }
        return out;
    }

    private static long size(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length + (long) MESSAGE_OVERHEAD;
    }
}
