package io.chatstream.backend.upstream;

import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * A conversation reshaped for the dialects that keep the system prompt apart and want user and model turns to
 * alternate (Anthropic's Messages API, Gemini's {@code generateContent}):
 * <ul>
 *   <li>every {@code system} message, wherever it stands, goes into {@link #system()}
 *   ({@link Json#systemText});</li>
 *   <li>a {@code tool} message becomes user text: tool calls are not yet sent to these dialects as such, so a
 *   tool's output reaches the model as what the user hands it;</li>
 *   <li>consecutive messages of the same side are one turn of several texts, in order;</li>
 *   <li>assistant messages lose their {@code <think>} block (reasoning is never sent back), and messages left with
 *   only white space are dropped: both APIs refuse empty text.</li>
 * </ul>
 *
 * @param system the system text, or null when there is none
 * @param turns  the turns, oldest first
 */
public record Turns(String system, List<Turn> turns) {

    /** One turn: {@code user} is false for the model's. */
    public record Turn(boolean user, List<String> texts) {
    }

    /** The turns of {@code request}. */
    public static Turns of(ChatRequest request) {
        List<Turn> turns = new ArrayList<>();
        for (ChatMessage m : request.messages()) {
            if (m.role() == ChatMessage.Role.SYSTEM) {
                continue;
            }
            boolean user = m.role() != ChatMessage.Role.ASSISTANT;
            String text = Json.sentContent(m);
            if (text.isBlank()) {
                continue;
            }
            Turn last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
            if (last != null && last.user() == user) {
                last.texts().add(text);
            } else {
                List<String> texts = new ArrayList<>();
                texts.add(text);
                turns.add(new Turn(user, texts));
            }
        }
        List<Turn> done = turns.stream().map(t -> new Turn(t.user(), List.copyOf(t.texts()))).toList();
        return new Turns(Json.systemText(request), done);
    }
}
