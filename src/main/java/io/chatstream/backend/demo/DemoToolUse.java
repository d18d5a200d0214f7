package io.chatstream.backend.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.upstream.Json;
import io.chatstream.event.ToolCall;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the demo shows tool use without a model: when the request offers a tool named {@code time} and the prompt
 * asks for the time or date, or offers {@code calculator} and the prompt holds arithmetic, the demo's reply is a call
 * of that tool; when the history ends with tool results, the reply puts them in words. The server's tool loop
 * ({@code chat.tools=time,calculator}) runs the call between the two; a client that offers a tool of the same name
 * runs it itself.
 */
final class DemoToolUse {

    static final String TIME = "time";
    static final String CALCULATOR = "calculator";
    private static final Pattern ASKS_TIME = Pattern.compile("(?i)\\b(time|date|day|today|clock)\\b");
    /** A run of the characters of arithmetic. */
    private static final Pattern ARITHMETIC_RUN = Pattern.compile("[0-9.+\\-*/^()\\s]+");
    /** Two numbers with an operator between: the run is arithmetic, not a lone number or a date. */
    private static final Pattern HAS_OPERATION = Pattern.compile(".*\\d[\\s)]*[-+*/^][\\s(]*[-(]*\\s*[.\\d].*",
            Pattern.DOTALL);

    private DemoToolUse() {
    }

    /** The call the demo makes in reply to {@code request}, with id {@code id}; null when it makes none. */
    static ToolCall callFor(ChatRequest request, String id) {
        List<ChatMessage> messages = request.messages();
        if (messages.get(messages.size() - 1).role() != ChatMessage.Role.USER) {
            return null;
        }
        String prompt = request.lastUserMessage();
        if (offers(request, CALCULATOR)) {
            String expression = arithmetic(prompt);
            if (expression != null) {
                return new ToolCall(id, CALCULATOR, JsonNodeFactory.instance.objectNode()
                        .put("expression", expression).toString());
            }
        }
        if (offers(request, TIME) && ASKS_TIME.matcher(prompt).find()) {
            return new ToolCall(id, TIME, "{\"zone\":\"UTC\"}");
        }
        return null;
    }

    /** The longest arithmetic in {@code prompt}, e.g. {@code (2 + 3) * 4} in "what is (2 + 3) * 4?"; or null. */
    static String arithmetic(String prompt) {
        String best = null;
        Matcher m = ARITHMETIC_RUN.matcher(prompt);
        while (m.find()) {
            String run = m.group().trim();
            if (HAS_OPERATION.matcher(run).matches() && (best == null || run.length() > best.length())) {
                best = run;
            }
        }
        return best;
    }

    private static boolean offers(ChatRequest request, String name) {
        return request.tools().stream().anyMatch(t -> t.name().equals(name));
    }

    /**
     * The answer to a request whose history ends with tool results, naming each result; null when the last message
     * is no tool result.
     */
    static String answerAfterTools(ChatRequest request) {
        List<ChatMessage> messages = request.messages();
        int first = messages.size();
        while (first > 0 && messages.get(first - 1).role() == ChatMessage.Role.TOOL) {
            first--;
        }
        if (first == messages.size()) {
            return null;
        }
        List<ToolCall> calls = first > 0 ? messages.get(first - 1).toolCalls() : List.of();
        List<String> lines = new ArrayList<>();
        for (ChatMessage result : messages.subList(first, messages.size())) {
            ToolCall call = calls.stream().filter(c -> c.id().equals(result.toolCallId())).findFirst().orElse(null);
            lines.add(sentence(call, result.content()));
        }
        return String.join("\n\n", lines) + "\n";
    }

    private static String sentence(ToolCall call, String result) {
        String name = call == null ? "tool" : call.name();
        if (result.toLowerCase(Locale.ROOT).startsWith("error:")) {
            return "I asked the `" + name + "` tool, and it answered with an error: " + result.substring(6).trim();
        }
        if (TIME.equals(name)) {
            return "It is now **" + result + "**, as the server's `time` tool tells me.";
        }
        if (CALCULATOR.equals(name)) {
            String expression;
            try {
                expression = Json.MAPPER.readTree(call.arguments()).path("expression").asText(call.arguments());
            } catch (JsonProcessingException e) {
                expression = call.arguments(); // not the arguments the demo wrote: shown as they are
            }
            return "The `calculator` tool worked it out: " + expression + " = **" + result + "**.";
        }
        return "The `" + name + "` tool answered: " + result;
    }
}
