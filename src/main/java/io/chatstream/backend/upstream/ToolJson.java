package io.chatstream.backend.upstream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ToolDefinition;
import io.chatstream.event.ToolCall;

import java.util.List;

/**
 * The pieces of tool use that more than one dialect writes: the OpenAI shape of {@code tools} (chat completions and
 * Ollama take it as it is), a schema or a call's arguments as a JSON object (Anthropic, Gemini, Ollama), and the
 * name of the function a tool message answers (Gemini and Ollama name it; the others go by the call's id).
 */
public final class ToolJson {

    private ToolJson() {
    }

    /** {@code [{"type":"function","function":{"name","description"?,"parameters"}}]}. */
    public static ArrayNode openAiTools(List<ToolDefinition> tools) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (ToolDefinition t : tools) {
            ObjectNode function = out.addObject().put("type", "function").putObject("function");
            function.put("name", t.name());
            if (!t.description().isEmpty()) {
                function.put("description", t.description());
            }
            function.set("parameters", schema(t));
        }
        return out;
    }

    /** The tool's JSON Schema as an object; an empty-object schema when its text is not one. */
    public static ObjectNode schema(ToolDefinition tool) {
        ObjectNode schema = object(tool.parameters());
        return schema.isEmpty() ? emptySchema() : schema;
    }

    /** True when the schema declares no parameters ({@code properties} absent or empty). */
    public static boolean takesNoArguments(ToolDefinition tool) {
        JsonNode properties = schema(tool).get("properties");
        return properties == null || properties.isEmpty();
    }

    /**
     * A call's arguments as a JSON object. A client's are always the text of one (the request parser refuses any
     * other); a model's own broken arguments, sent back in a server tool's next round, go as {@code {}}.
     */
    public static ObjectNode arguments(ToolCall call) {
        return object(call.arguments());
    }

    /**
     * The name of the function that the tool message {@code messages[index]} answers: that of the call with its id
     * in the nearest assistant message before it that made calls; "" when none has it.
     */
    public static String answeredName(List<ChatMessage> messages, int index) {
        String id = messages.get(index).toolCallId();
        for (int i = index - 1; i >= 0; i--) {
            ChatMessage m = messages.get(i);
            for (ToolCall c : m.toolCalls()) {
                if (c.id().equals(id)) {
                    return c.name();
                }
            }
        }
        return "";
    }

    private static ObjectNode emptySchema() {
        ObjectNode schema = Json.object().put("type", "object");
        schema.putObject("properties");
        return schema;
    }

    private static ObjectNode object(String text) {
        try {
            JsonNode n = Json.MAPPER.readTree(text);
            return n != null && n.isObject() ? (ObjectNode) n : Json.object();
        } catch (JsonProcessingException e) {
            return Json.object();
        }
    }
}
