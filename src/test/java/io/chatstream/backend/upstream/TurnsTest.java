package io.chatstream.backend.upstream;

import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ToolDefinition;
import io.chatstream.event.ToolCall;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a history with tool calls and results is cut into alternating turns for Anthropic and Gemini. */
class TurnsTest {

    private static final ToolCall WEATHER = new ToolCall("c1", "get_weather", "{\"city\":\"Paris\"}");
    private static final ToolCall TIME = new ToolCall("c2", "get_time", "{}");

    private static Turns turns(ChatMessage... messages) {
        return Turns.of(new ChatRequest(List.of(messages), null, null, null));
    }

    @Test
    void callsFollowTheAssistantsTextAndOneRoundsResultsAreOneUserTurn() {
        Turns t = turns(new ChatMessage(ChatMessage.Role.SYSTEM, "Be brief."), ChatMessage.user("Weather?"),
                ChatMessage.assistantCalls("<think>hmm</think>Looking.", List.of(WEATHER, TIME)),
                ChatMessage.toolResult("c2", "12:00"), ChatMessage.toolResult("c1", ""),
                ChatMessage.user("Thanks"));
        assertEquals("Be brief.", t.system());
        assertEquals(List.of(
                new Turns.Turn(true, List.of(new Turns.Text("Weather?"))),
                new Turns.Turn(false, List.of(new Turns.Text("Looking."), new Turns.Call(WEATHER, true),
                        new Turns.Call(TIME, false))),
                new Turns.Turn(true, List.of(new Turns.Result("c2", "get_time", "12:00"),
                        new Turns.Result("c1", "get_weather", ""), new Turns.Text("Thanks")))), t.turns());
    }

    @Test
    void anAssistantMessageOfCallsOnlyHasNoTextPart() {
        Turns t = turns(ChatMessage.user("Weather?"), ChatMessage.assistantCalls("  ", List.of(WEATHER)),
                ChatMessage.toolResult("c1", "18 C"));
        assertEquals(new Turns.Turn(false, List.of(new Turns.Call(WEATHER, true))), t.turns().get(1));
    }

    @Test
    void aToolMessageWithoutACallIdIsUserText() {
        Turns t = turns(ChatMessage.user("Hi"), new ChatMessage(ChatMessage.Role.TOOL, "output"));
        assertEquals(List.of(new Turns.Turn(true, List.of(new Turns.Text("Hi"), new Turns.Text("output")))),
                t.turns());
    }

    @Test
    void argumentsThatAreNotAnObjectGoAsAnEmptyObject() {
        assertEquals("{}", Json.string(ToolJson.arguments(new ToolCall("c", "f", "{\"city\":"))));
        assertEquals("{}", Json.string(ToolJson.arguments(new ToolCall("c", "f", "[1]"))));
        assertEquals("{\"a\":1}", Json.string(ToolJson.arguments(new ToolCall("c", "f", "{\"a\":1}"))));
    }

    @Test
    void aSchemaWithoutPropertiesTakesNoArguments() {
        assertTrue(ToolJson.takesNoArguments(new ToolDefinition("f", "", "{\"type\":\"object\",\"properties\":{}}")));
        assertTrue(ToolJson.takesNoArguments(new ToolDefinition("f", "", "{}")));
        assertFalse(ToolJson.takesNoArguments(new ToolDefinition("f", "",
                "{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"string\"}}}")));
    }
}
