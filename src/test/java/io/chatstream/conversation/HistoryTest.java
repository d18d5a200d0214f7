package io.chatstream.conversation;

import io.chatstream.backend.ChatMessage;
import io.chatstream.event.ToolCall;
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

    private static Message reply(String id, String parent, String content, String toolCalls) {
        return new Message(id, "c", parent, "assistant", content, null, toolCalls, null, null, null,
                io.chatstream.store.MessageStatus.DONE, null, 1);
    }

    private static Message toolMessage(String id, String parent, String callId, String content) {
        return new Message(id, "c", parent, "tool", content, null, null, callId, null, null,
                io.chatstream.store.MessageStatus.DONE, null, 1);
    }

    private static final String TWO_CALLS = "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":"
            + "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
            + "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get_time\","
            + "\"arguments\":\"{}\"}}]";

    @Test
    void aStoredReplyGoesBackWithItsAnsweredToolCallsAndTheToolMessagesWithTheirIds() {
        List<Message> path = List.of(Message.user("u", "c", null, "Weather?", 0),
                reply("a", "u", "Let me look.", TWO_CALLS),
                toolMessage("t1", "a", "call_1", "18 C"),
                toolMessage("t2", "t1", "call_2", "12:00"),
                Message.user("n", "c", "t2", "Thanks", 2));
        List<ChatMessage> history = History.forModel(null, path, 100, 1_000_000);
        assertEquals(ChatMessage.assistantCalls("Let me look.", List.of(
                new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"),
                new ToolCall("call_2", "get_time", "{}"))), history.get(1));
        assertEquals(ChatMessage.toolResult("call_1", "18 C"), history.get(2));
        assertEquals(ChatMessage.toolResult("call_2", "12:00"), history.get(3));
        assertEquals(ChatMessage.user("Thanks"), history.get(4));
    }

    @Test
    void aCallNobodyAnsweredIsLeftOutAndItsTextKept() {
        List<Message> path = List.of(Message.user("u", "c", null, "Weather?", 0),
                reply("a", "u", "Let me look.", TWO_CALLS),
                toolMessage("t1", "a", "call_1", "18 C"),
                Message.user("n", "c", "t1", "Never mind the time", 2));
        List<ChatMessage> history = History.forModel(null, path, 100, 1_000_000);
        assertEquals(ChatMessage.assistantCalls("Let me look.", List.of(
                new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))), history.get(1));
        List<Message> unanswered = List.of(Message.user("u", "c", null, "Weather?", 0),
                reply("a", "u", "", TWO_CALLS), Message.user("n", "c", "a", "I ran nothing", 2));
        assertEquals(ChatMessage.assistantCalls("", List.of()),
                History.forModel(null, unanswered, 100, 1_000_000).get(1));
    }

    @Test
    void theCallsAServerToolRanGoBackAnsweredBeforeTheRepliesText() {
        String ran = "[{\"id\":\"call_demo_1\",\"type\":\"function\",\"function\":{\"name\":\"calculator\","
                + "\"arguments\":\"{\\\"expression\\\":\\\"2^10+1\\\"}\"},\"result\":\"1025\"}]";
        List<Message> path = List.of(Message.user("u", "c", null, "2^10+1?", 0),
                reply("a", "u", "It is 1025.", ran), Message.user("n", "c", "a", "And doubled?", 2));
        List<ChatMessage> history = History.forModel(null, path, 100, 1_000_000);
        assertEquals(List.of(ChatMessage.user("2^10+1?"),
                ChatMessage.assistantCalls("", List.of(new ToolCall("call_demo_1", "calculator",
                        "{\"expression\":\"2^10+1\"}"))),
                ChatMessage.toolResult("call_demo_1", "1025"),
                ChatMessage.assistantCalls("It is 1025.", List.of()),
                ChatMessage.user("And doubled?")), history);
    }
}
