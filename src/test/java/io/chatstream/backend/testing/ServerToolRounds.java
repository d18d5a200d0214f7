package io.chatstream.backend.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.upstream.Json;
import io.chatstream.event.ToolCall;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One reply with server tools over real HTTP, the same for every dialect: the server runs with {@link #TOOLS}
 * switched on; the fake upstream's first answer calls them in the dialect's wire format, its second answers in text.
 * Each dialect's test asserts the JSON of the second request: the assistant's calls and the tools' results in that
 * dialect's shape.
 */
public final class ServerToolRounds {

    /** {@code chat.tools}: the built-in calculator and the test tool {@code echo} (it answers {@code echo <args>}). */
    public static final String TOOLS = "calculator,echo";

    public static final String QUESTION = "2^10+1 是多少？";

    private ServerToolRounds() {
    }

    /** {@code settings} plus {@code chat.tools} = {@link #TOOLS}. */
    public static Map<String, String> withTools(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.put("chat.tools", TOOLS);
        return all;
    }

    /**
     * Posts {@link #QUESTION}; the upstream answers with {@code calls}, then with {@code answer}. Asserts the one
     * stream: {@code start}; the first round's reasoning and text; its {@code tool_call}s exactly as the transcript
     * has them (a call whose id is "" there has none on the wire, and any id the server makes up will do); one
     * {@code tool_result} per call holding the tool's real output ({@code results}, in call order); the second
     * round's reasoning and text; and one {@code end} with {@code stop} and the two rounds' usage summed, the body
     * ending there.
     *
     * @return the JSON body of the second request the upstream received
     */
    public static JsonNode reply(EndToEnd server, Transcripts.Transcript calls, Transcripts.Transcript answer,
                                 List<String> results) throws Exception {
        server.serveInTurn(calls, answer);
        List<Event> events = server.postToEnd("{\"message\":\"" + QUESTION + "\"}");

        List<String> types = events.stream().map(Event::type).toList();
        int firstCall = types.indexOf("tool_call");
        int lastResult = types.lastIndexOf("tool_result");
        int n = calls.toolCalls().size();
        assertEquals("start", types.get(0), () -> "events: " + types);
        assertTrue(firstCall > 0 && lastResult > firstCall, () -> "calls and results: " + types);
        SseRecorder.assertSequential(events, 1);
        assertEquals(List.of("tool_call", "tool_result"), collapse(types.subList(firstCall, lastResult + 1)),
                () -> "the calls, then their results, nothing between: " + types);
        assertEquals(firstCall + 2 * n - 1, lastResult, () -> "one call and one result per call: " + types);

        List<Event> before = events.subList(1, firstCall);
        List<Event> after = events.subList(lastResult + 1, events.size() - 1);
        for (Event e : events.subList(1, events.size() - 1)) {
            assertTrue(List.of("reasoning", "chunk", "tool_call", "tool_result").contains(e.type()),
                    () -> "events: " + types);
        }
        assertEquals(calls.reasoning(), text(before, "reasoning"));
        assertEquals(calls.answer(), text(before, "chunk"));
        assertEquals(answer.reasoning(), text(after, "reasoning"));
        assertEquals(answer.answer(), text(after, "chunk"));

        List<ToolCall> streamed = new ArrayList<>();
        Map<String, String> resultById = new HashMap<>();
        for (Event e : events.subList(firstCall, lastResult + 1)) {
            JsonNode j = e.json();
            if (e.type().equals("tool_call")) {
                JsonNode c = j.get("tool_call");
                streamed.add(new ToolCall(c.get("id").asText(), c.get("name").asText(),
                        c.get("arguments").asText()));
            } else {
                resultById.put(j.get("tool_call_id").asText(), j.get("result").asText());
            }
        }
        List<ToolCall> wanted = new ArrayList<>();
        Map<String, String> expected = new HashMap<>();
        for (int i = 0; i < n; i++) {
            ToolCall c = calls.toolCalls().get(i);
            String id = c.id().isEmpty() ? streamed.get(i).id() : c.id();
            wanted.add(new ToolCall(id, c.name(), c.arguments()));
            expected.put(id, results.get(i));
        }
        assertEquals(wanted, streamed);
        assertEquals(expected, resultById, "one result per call, the tool's own output");

        JsonNode end = events.get(events.size() - 1).json();
        assertEquals("end", end.get("type").asText(), () -> "the one terminal event: " + types);
        assertEquals("stop", end.get("finish_reason").asText());
        assertEquals(calls.usage().promptTokens() + answer.usage().promptTokens(),
                end.get("usage").get("prompt_tokens").asLong(), "the rounds' usage summed");
        assertEquals(calls.usage().completionTokens() + answer.usage().completionTokens(),
                end.get("usage").get("completion_tokens").asLong());

        server.fake().takeRequest(); // the first round's
        return Json.parse(server.fake().takeRequest().body());
    }

    /** The names of the tools a request offers, in any dialect's shape ({@code name} wherever it stands). */
    public static List<String> toolNames(JsonNode request) {
        return request.get("tools").findValuesAsText("name");
    }

    private static String text(List<Event> events, String type) {
        StringBuilder b = new StringBuilder();
        events.stream().filter(e -> e.type().equals(type)).forEach(e -> b.append(e.content()));
        return b.toString();
    }

    /** The types with each run of the same type as one. */
    private static List<String> collapse(List<String> types) {
        List<String> runs = new ArrayList<>();
        for (String t : types) {
            if (runs.isEmpty() || !runs.get(runs.size() - 1).equals(t)) {
                runs.add(t);
            }
        }
        return runs;
    }
}
