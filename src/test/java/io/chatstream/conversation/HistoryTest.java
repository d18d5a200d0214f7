package io.chatstream.conversation;

import io.chatstream.backend.ChatMessage;
import io.chatstream.store.Message;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the model sees of a branch, and how a long one is cut. */
class HistoryTest {

    private static List<Message> turns(int n) {
        List<Message> path = new ArrayList<>();
        String parent = null;
        for (int i = 0; i < n; i++) {
            Message u = Message.user("u" + i, "c", parent, "q" + i, i);
            Message a = new Message("a" + i, "c", u.id(), "assistant", "a" + i, null, null, null, null, null,
                    io.chatstream.store.MessageStatus.DONE, null, i);
            path.add(u);
            path.add(a);
            parent = a.id();
        }
        path.add(Message.user("new", "c", parent, "now", n));
        return path;
    }

    private static List<String> texts(List<ChatMessage> history) {
        return history.stream().map(m -> m.role().wire() + ":" + m.content()).toList();
    }

    @Test
    void theSystemPromptComesFirstThenTheWholePath() {
        assertEquals(List.of("system:be kind", "user:q0", "assistant:a0", "user:now"),
                texts(History.forModel("be kind", turns(1), 100, 1_000_000)));
    }

    @Test
    void tooManyMessagesLoseWholeTurnsFromTheOldestEndOnly() {
        // 5 turns + the new message = 11 messages; with the system prompt at most 6 fit
        assertEquals(List.of("system:s", "user:q3", "assistant:a3", "user:q4", "assistant:a4", "user:now"),
                texts(History.forModel("s", turns(5), 6, 1_000_000)));
    }

    @Test
    void tooManyBytesLoseWholeTurnsTooAndTheNewMessageIsAlwaysKept() {
        long perMessage = 2 + History.MESSAGE_OVERHEAD;
        assertEquals(List.of("user:q2", "assistant:a2", "user:now"),
                texts(History.forModel(null, turns(3), 100, 3 * perMessage + 3)));
        assertEquals(List.of("user:now"), texts(History.forModel(null, turns(3), 100, 1)));
    }
}
