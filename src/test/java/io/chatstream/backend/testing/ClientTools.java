package io.chatstream.backend.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatstream.backend.upstream.Json;
import io.chatstream.event.ToolCall;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One round of client tools over real HTTP, the same for every dialect: a request offering two tools, to which the
 * fake upstream answers with a transcript in which the model calls them; then the follow-up request whose history
 * holds the assistant's {@code tool_calls} and a {@code tool} message per call. Each dialect's test asserts the JSON
 * its upstream received.
 */
public final class ClientTools {

    /** {@code get_weather(city)} and {@code get_time()} (no parameters: the empty-object schema). */
    public static final String TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Current weather of a city\",\"parameters\":{\"type\":\"object\",\"properties\":"
            + "{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}},"
            + "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]";

    public static final String QUESTION = "上海天气和时间？";

    private ClientTools() {
    }

    /**
     * Posts the question with {@link #TOOLS} and {@code toolChoice} (JSON, or null for none); asserts the stream's
     * {@code tool_call} events are exactly the transcript's calls and that it ends with {@code tool_calls}.
     *
     * @return the JSON body the upstream received
     */
    public static JsonNode callRound(EndToEnd server, Transcripts.Transcript t, String toolChoice) throws Exception {
        server.serve(t);
        EndToEnd.EventStream s = server.post("{\"messages\":[{\"role\":\"user\",\"content\":\"" + QUESTION + "\"}],"
                + "\"tools\":" + TOOLS + (toolChoice == null ? "" : ",\"tool_choice\":" + toolChoice) + "}");
        JsonNode end = s.until("end");
        s.body().close();
        List<ToolCall> calls = s.ofType("tool_call").stream().map(e -> e.get("tool_call"))
                .map(c -> new ToolCall(c.get("id").asText(), c.get("name").asText(), c.get("arguments").asText()))
                .toList();
        assertEquals(t.toolCalls(), calls);
        assertEquals("tool_calls", end.get("finish_reason").asText());
        return Json.parse(server.fake().takeRequest().body());
    }

    /** What each tool answers: a JSON object for the weather, plain text for the time. */
    public static String result(ToolCall call) {
        return call.name().equals("get_weather") ? "{\"temp_c\":18}" : "12:00";
    }

    /**
     * Posts the follow-up: the question, the assistant's message with the transcript's text (null when it had
     * none) and calls, and a tool message per call with {@link #result}; the stream must end.
     *
     * @return the JSON body the upstream received
     */
    public static JsonNode followUp(EndToEnd server, Transcripts.Transcript t) throws Exception {
        ObjectNode body = Json.object();
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "user").put("content", QUESTION);
        ObjectNode assistant = messages.addObject().put("role", "assistant");
        if (t.answer().isEmpty()) {
            assistant.putNull("content");
        } else {
            assistant.put("content", t.answer());
        }
        ArrayNode calls = assistant.putArray("tool_calls");
        for (ToolCall c : t.toolCalls()) {
            calls.addObject().put("id", c.id()).put("type", "function").putObject("function").put("name", c.name())
                    .put("arguments", c.arguments());
        }
        for (ToolCall c : t.toolCalls()) {
            messages.addObject().put("role", "tool").put("tool_call_id", c.id()).put("content", result(c));
        }
        body.set("tools", Json.parse(TOOLS));
        server.serve(t);
        EndToEnd.EventStream s = server.post(Json.string(body));
        s.until("end");
        s.body().close();
        return Json.parse(server.fake().takeRequest().body());
    }

    /** Asserts {@code actual} is the JSON value written in {@code expected}, member order aside. */
    public static void assertJson(String expected, JsonNode actual) {
        assertEquals(Json.parse(expected), actual, () -> "got " + Json.string(actual));
    }
}
