package io.chatstream.conversation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatstream.backend.ChatMessage;
import io.chatstream.event.ToolCall;
import io.chatstream.store.Message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the model sees of a conversation: its {@code system} first, then the path from the root to the new
 * message. A path longer than the backend takes ({@code chat.limits.max-messages} messages, or more than
 * {@code chat.limits.max-body-bytes} as a request body) loses whole turns from its oldest end only, never a message
 * in the middle: the model sees a conversation that begins later, not one with holes.
 *
 * <p>A stored reply that called tools goes back with its {@code tool_calls}, each one that a {@code tool} message
 * later on the path answers: every dialect refuses a call left without its result, and a conversation's messages
 * API adds user messages only, so a client tool's call that nobody answered is left out (its text stays). A tool
 * message whose call is not kept goes as user text. The calls a server tool ran carry their {@code result} in the
 * store: they go back answered, as the model made them, before the reply's text.
 */
public final class History {

    private static final ObjectMapper JSON = new ObjectMapper();

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
            bytes += size(m);
        }
        while (first < path.size() - 1 && (path.size() - first > budgetMessages || bytes > budgetBytes)) {
            // drop a whole turn: the oldest message, then whatever follows it up to the next user message
            do {
                bytes -= size(path.get(first));
                first++;
            } while (first < path.size() - 1 && !path.get(first).role().equals("user"));
        }
        List<ChatMessage> out = new ArrayList<>(path.size() - first + 1);
        if (system != null) {
            out.add(new ChatMessage(ChatMessage.Role.SYSTEM, system));
        }
        List<Message> kept = path.subList(first, path.size());
        Set<String> answered = new HashSet<>();
        for (Message m : kept) {
            if (m.toolCallId() != null) {
                answered.add(m.toolCallId());
            }
        }
        Set<String> called = new HashSet<>();
        for (Message m : kept) {
            ChatMessage.Role role = ChatMessage.Role.fromWire(m.role());
            if (role == ChatMessage.Role.TOOL) {
                if (m.toolCallId() != null && called.contains(m.toolCallId())) {
                    out.add(ChatMessage.toolResult(m.toolCallId(), m.content()));
                } else {
                    out.add(new ChatMessage(ChatMessage.Role.USER, m.content()));
                }
            } else if (role == ChatMessage.Role.ASSISTANT) {
                List<StoredCall> stored = storedCalls(m.toolCalls());
                List<StoredCall> ran = stored.stream().filter(c -> c.result() != null).toList();
                if (!ran.isEmpty()) {
                    // server tools the reply ran: their calls, answered, before the reply's text
                    out.add(ChatMessage.assistantCalls("", ran.stream().map(StoredCall::call).toList()));
                    ran.forEach(c -> out.add(ChatMessage.toolResult(c.call().id(), c.result())));
                }
                List<ToolCall> calls = stored.stream().filter(c -> c.result() == null)
                        .map(StoredCall::call).filter(c -> answered.contains(c.id())).toList();
                calls.forEach(c -> called.add(c.id()));
                if (ran.isEmpty() || !calls.isEmpty() || !m.content().isEmpty()) {
                    out.add(ChatMessage.assistantCalls(m.content(), calls));
                }
            } else {
                out.add(new ChatMessage(role == null ? ChatMessage.Role.USER : role, m.content()));
            }
        }
        return out;
    }

    /** A stored call, with the result a server tool gave it (null for a client tool's call). */
    record StoredCall(ToolCall call, String result) {
    }

    /**
     * The calls of a stored {@code tool_calls} array ({@code [{"id","type","function":{"name","arguments"},
     * "result"?}]}).
     */
    static List<StoredCall> storedCalls(String stored) {
        if (stored == null) {
            return List.of();
        }
        JsonNode array;
        try {
            array = JSON.readTree(stored);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored tool calls are not JSON", e);
        }
        List<StoredCall> out = new ArrayList<>();
        for (JsonNode c : array) {
            JsonNode f = c.path("function");
            JsonNode result = c.get("result");
            out.add(new StoredCall(new ToolCall(c.path("id").asText(), f.path("name").asText(),
                    f.path("arguments").asText("{}")), result == null || !result.isTextual() ? null : result.asText()));
        }
        return out;
    }

    private static long size(Message m) {
        return size(m.content()) + (m.toolCalls() == null ? 0 : m.toolCalls().length());
    }

    private static long size(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length + (long) MESSAGE_OVERHEAD;
    }
}
