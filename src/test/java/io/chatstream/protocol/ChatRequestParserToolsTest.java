package io.chatstream.protocol;

import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ToolChoice;
import io.chatstream.backend.ToolDefinition;
import io.chatstream.event.ToolCall;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The tool fields of a request body: what is read, and the 400 for each wrong thing, naming where it is. */
class ChatRequestParserToolsTest {

    private static final ChatRequestParser PARSER = new ChatRequestParser(100, 1_000_000);

    private static final String WEATHER = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Weather of a city\",\"parameters\":{\"type\":\"object\",\"properties\":"
            + "{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}";
    private static final String USER = "{\"role\":\"user\",\"content\":\"Weather in Paris?\"}";
    private static final String CALLS = "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
            + "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
            + "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]}";

    private static ChatRequest parse(String body) throws ApiError {
        return PARSER.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    private static String refused(String body) {
        ApiError e = assertThrows(ApiError.class, () -> parse(body), body);
        assertEquals(400, e.status());
        assertEquals("invalid_request", e.code());
        return e.getMessage();
    }

    private static String withTools(String tools) {
        return "{\"messages\":[" + USER + "],\"tools\":" + tools + "}";
    }

    private static String withMessages(String... messages) {
        return "{\"messages\":[" + String.join(",", messages) + "]}";
    }

    @Test
    void toolsAreReadWithTheirSchemaAndAnAbsentSchemaIsAnEmptyObject() throws ApiError {
        ChatRequest r = parse(withTools("[" + WEATHER
                + ",{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]"));
        assertEquals(List.of(
                new ToolDefinition("get_weather", "Weather of a city", "{\"type\":\"object\",\"properties\":"
                        + "{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}"),
                new ToolDefinition("get_time", "", "{\"type\":\"object\",\"properties\":{}}")), r.tools());
        assertNull(r.toolChoice());
    }

    @Test
    void noToolsIsAnEmptyList() throws ApiError {
        assertEquals(List.of(), parse("{\"message\":\"hi\",\"tools\":null}").tools());
        assertEquals(List.of(), parse(withTools("[]")).tools());
    }

    @Test
    void eachWrongToolIsRefusedNamingWhere() {
        assertEquals("\"tools\" must be an array.", refused(withTools("{}")));
        assertEquals("tools[0] must be an object {\"type\":\"function\",\"function\":{...}}.",
                refused(withTools("[\"get_weather\"]")));
        assertEquals("tools[0].type must be \"function\".",
                refused(withTools("[{\"type\":\"code\",\"function\":{\"name\":\"x\"}}]")));
        assertEquals("tools[0].function must be an object with \"name\".",
                refused(withTools("[{\"type\":\"function\"}]")));
        assertEquals("tools[1].function.name must be 1 to 64 letters, digits, '_' or '-'.", refused(withTools("["
                + WEATHER + ",{\"type\":\"function\",\"function\":{\"name\":\"get weather\"}}]")));
        assertEquals("tools[0].function.name must be 1 to 64 letters, digits, '_' or '-'.",
                refused(withTools("[{\"type\":\"function\",\"function\":{\"name\":\"" + "a".repeat(65) + "\"}}]")));
        assertEquals("tools[1].function.name \"get_weather\" is the name of an earlier tool; each tool needs a name"
                + " of its own.", refused(withTools("[" + WEATHER + "," + WEATHER + "]")));
        assertEquals("tools[0].function.parameters must be a JSON Schema object.",
                refused(withTools("[{\"type\":\"function\",\"function\":{\"name\":\"x\",\"parameters\":\"{}\"}}]")));
        assertEquals("tools[0].function.description must be a string of at most 8192 characters.",
                refused(withTools("[{\"type\":\"function\",\"function\":{\"name\":\"x\",\"description\":3}}]")));
    }

    @Test
    void toolsAreCappedInNumberAndSize() {
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i <= ToolFields.MAX_TOOLS; i++) {
            many.append(i == 0 ? "" : ",").append("{\"type\":\"function\",\"function\":{\"name\":\"t").append(i)
                    .append("\"}}");
        }
        assertEquals("\"tools\" holds 129 tools; at most 128 are accepted.", refused(withTools(many + "]")));
        String big = "{\"type\":\"function\",\"function\":{\"name\":\"x\",\"parameters\":{\"description\":\""
                + "d".repeat(ToolFields.MAX_SCHEMA_CHARS) + "\"}}}";
        assertEquals("tools[0].function.parameters is larger than 65536 characters of JSON.",
                refused(withTools("[" + big + "]")));
    }

    @Test
    void toolChoiceIsReadInEachForm() throws ApiError {
        String tools = ",\"tools\":[" + WEATHER + "]";
        assertEquals(ToolChoice.AUTO, parse("{\"message\":\"hi\"" + tools + ",\"tool_choice\":\"auto\"}").toolChoice());
        assertEquals(ToolChoice.NONE, parse("{\"message\":\"hi\"" + tools + ",\"tool_choice\":\"none\"}").toolChoice());
        assertEquals(ToolChoice.REQUIRED,
                parse("{\"message\":\"hi\"" + tools + ",\"tool_choice\":\"required\"}").toolChoice());
        assertEquals(ToolChoice.function("get_weather"), parse("{\"message\":\"hi\"" + tools + ",\"tool_choice\":"
                + "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}}").toolChoice());
    }

    @Test
    void eachWrongToolChoiceIsRefused() {
        String tools = ",\"tools\":[" + WEATHER + "]";
        String rule = "\"tool_choice\" must be \"auto\", \"none\", \"required\" or"
                + " {\"type\":\"function\",\"function\":{\"name\":\"...\"}}.";
        assertEquals(rule, refused("{\"message\":\"hi\"" + tools + ",\"tool_choice\":\"any\"}"));
        assertEquals(rule, refused("{\"message\":\"hi\"" + tools + ",\"tool_choice\":true}"));
        assertEquals("tool_choice.type must be \"function\".",
                refused("{\"message\":\"hi\"" + tools + ",\"tool_choice\":{\"function\":{\"name\":\"get_weather\"}}}"));
        assertEquals("tool_choice.function.name \"get_time\" is not one of the request's \"tools\".",
                refused("{\"message\":\"hi\"" + tools + ",\"tool_choice\":{\"type\":\"function\","
                        + "\"function\":{\"name\":\"get_time\"}}}"));
        assertEquals("\"tool_choice\" is \"required\" but the request offers no \"tools\".",
                refused("{\"message\":\"hi\",\"tool_choice\":\"required\"}"));
    }

    @Test
    void assistantToolCallsAndToolResultsAreRead() throws ApiError {
        ChatRequest r = parse(withMessages(USER, CALLS,
                "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"12:00\"}",
                "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"\"}"));
        assertEquals(ChatMessage.assistantCalls("", List.of(
                new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"),
                new ToolCall("call_2", "get_time", "{}"))), r.messages().get(1));
        assertEquals(ChatMessage.toolResult("call_2", "12:00"), r.messages().get(2));
        assertEquals(ChatMessage.toolResult("call_1", ""), r.messages().get(3));
    }

    @Test
    void anAssistantMessageWithCallsMayHaveTextOrNone() throws ApiError {
        String call = "\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"arguments\":\"{}\"}}]";
        assertEquals("Let me look.", parse(withMessages(USER, "{\"role\":\"assistant\",\"content\":\"Let me look.\","
                + call + "}")).messages().get(1).content());
        assertEquals("", parse(withMessages(USER, "{\"role\":\"assistant\"," + call + "}")).messages().get(1)
                .content());
        assertEquals("messages[1].content must be a string (or null when the message has tool_calls).",
                refused(withMessages(USER, "{\"role\":\"assistant\",\"content\":null}")));
    }

    @Test
    void eachWrongToolCallIsRefusedNamingWhere() {
        String prefix = "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":";
        assertEquals("messages[1].tool_calls must be an array.", refused(withMessages(USER, prefix + "{}}")));
        assertEquals("messages[1].tool_calls[0].id must be a non-empty string of at most 256 characters, none of"
                + " them a control character.", refused(withMessages(USER, prefix
                + "[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}")));
        assertEquals("messages[1].tool_calls[1].id \"a\" is the id of an earlier call of this message.",
                refused(withMessages(USER, prefix + "[" + call("a", "f", "{}") + "," + call("a", "g", "{}") + "]}")));
        assertEquals("messages[1].tool_calls[0].type must be \"function\".", refused(withMessages(USER, prefix
                + "[{\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}")));
        assertEquals("messages[1].tool_calls[0].function.name must be 1 to 64 letters, digits, '_' or '-'.",
                refused(withMessages(USER, prefix + "[" + call("a", "f.g", "{}") + "]}")));
        assertEquals("messages[1].tool_calls[0].function.arguments must be a string: the text of a JSON object.",
                refused(withMessages(USER, prefix + "[{\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":"
                        + "\"f\",\"arguments\":{\"city\":\"Paris\"}}}]}")));
        String notObject = "messages[1].tool_calls[0].function.arguments must be the text of a JSON object, such as"
                + " \"{\\\"city\\\":\\\"Paris\\\"}\".";
        assertEquals(notObject, refused(withMessages(USER, prefix + "[" + call("a", "f", "[1]") + "]}")));
        assertEquals(notObject, refused(withMessages(USER, prefix + "[" + call("a", "f", "{\\\"city\\\":") + "]}")));
        assertEquals(notObject, refused(withMessages(USER, prefix + "[" + call("a", "f", "{} {}") + "]}")));
    }

    @Test
    void aToolMessageMustAnswerACallOfTheAssistantMessageBeforeIt() {
        assertEquals("messages[2].tool_call_id must be a non-empty string of at most 256 characters, none of them a"
                + " control character.", refused(withMessages(USER, CALLS, "{\"role\":\"tool\",\"content\":\"x\"}")));
        assertEquals("messages[2].tool_call_id \"call_9\" answers no call of messages[1], the assistant message it"
                + " follows.", refused(withMessages(USER, CALLS,
                "{\"role\":\"tool\",\"tool_call_id\":\"call_9\",\"content\":\"x\"}")));
        assertEquals("messages[1] is a tool result, but no assistant message before it called a tool.",
                refused(withMessages(USER, "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"x\"}")));
        assertEquals("messages[3].tool_call_id \"call_1\" was answered already, by messages[2].",
                refused(withMessages(USER, CALLS, "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"x\"}",
                        "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"y\"}")));
        // the nearest assistant message with calls counts: an id of an older one is no answer
        String later = "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[" + call("call_3", "f", "{}") + "]}";
        assertEquals("messages[5].tool_call_id \"call_1\" answers no call of messages[4], the assistant message it"
                + " follows.", refused(withMessages(USER, CALLS,
                "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"x\"}", USER, later,
                "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"y\"}")));
    }

    @Test
    void toolCallsOnOtherRolesAreIgnoredAsUnknownFields() throws ApiError {
        ChatRequest r = parse(withMessages("{\"role\":\"user\",\"content\":\"hi\",\"tool_calls\":5,"
                + "\"tool_call_id\":7}"));
        assertEquals(List.of(ChatMessage.user("hi")), r.messages());
    }

    private static String call(String id, String name, String arguments) {
        return "{\"id\":\"" + id + "\",\"type\":\"function\",\"function\":{\"name\":\"" + name + "\",\"arguments\":\""
                + arguments + "\"}}";
    }
}
