package io.chatstream.backend.upstream;

import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.event.ToolCall;

import java.util.ArrayList;
import java.util.List;

/**
 * A conversation reshaped for the dialects that keep the system prompt apart and want user and model turns to
 * alternate (Anthropic's Messages API, Gemini's {@code generateContent}):
 * <ul>
 *   <li>every {@code system} message, wherever it stands, goes into {@link #system()}
 *   ({@link Json#systemText});</li>
 *   <li>an assistant message is its text, then a {@link Call} per tool call; a {@code tool} message is a
 *   {@link Result} on the user's side, with the name of the function it answers (Gemini needs it); one without a
 *   call id (none comes from a client: the parser requires it) is user text;</li>
 *   <li>consecutive messages of the same side are one turn of several parts, in order (so the results of one
 *   round of calls are one user turn);</li>
 *   <li>assistant messages lose their {@code <think>} block (reasoning is never sent back), and texts left with
 *   only white space are dropped: both APIs refuse empty text. A tool's result is kept even when empty.</li>
 * </ul>
 *
 * @param system the system text, or null when there is none
 * @param turns  the turns, oldest first
 */
public record Turns(String system, List<Turn> turns) {

    /** One turn: {@code user} is false for the model's. */
    public record Turn(boolean user, List<Part> parts) {
    }

    /** One piece of a turn. */
    public sealed interface Part permits Text, Call, Result {
    }

    /** Text of the user or the model. */
    public record Text(String text) implements Part {
    }

    /**
     * A call the model made.
     *
     * @param first whether it is the first call of its message (Gemini signs that one)
     */
    public record Call(ToolCall call, boolean first) implements Part {
    }

    /**
     * A tool's result.
     *
     * @param name the function called, "" when the history does not hold the call
     */
    public record Result(String callId, String name, String content) implements Part {
    }

    /** The turns of {@code request}. */
    public static Turns of(ChatRequest request) {
        List<ChatMessage> messages = request.messages();
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (m.role() == ChatMessage.Role.SYSTEM) {
                continue;
            }
            List<Part> parts = new ArrayList<>();
            if (m.role() == ChatMessage.Role.TOOL && m.toolCallId() != null) {
                parts.add(new Result(m.toolCallId(), ToolJson.answeredName(messages, i), m.content()));
            } else {
                String text = Json.sentContent(m);
                if (!text.isBlank()) {
                    parts.add(new Text(text));
                }
                for (ToolCall c : m.toolCalls()) {
                    parts.add(new Call(c, c == m.toolCalls().get(0)));
                }
            }
            if (parts.isEmpty()) {
                continue;
            }
            boolean user = m.role() != ChatMessage.Role.ASSISTANT;
            Turn last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
            if (last != null && last.user() == user) {
                last.parts().addAll(parts);
            } else {
                turns.add(new Turn(user, parts));
            }
        }
        List<Turn> done = turns.stream().map(t -> new Turn(t.user(), List.copyOf(t.parts()))).toList();
        return new Turns(Json.systemText(request), done);
    }
}
