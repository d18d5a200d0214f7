package io.chatstream.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ToolChoice;
import io.chatstream.backend.ToolDefinition;
import io.chatstream.event.ToolCall;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The tool fields of a {@code POST /api/chat} body ({@code SPEC.md} sections 2 and 12), in the OpenAI shape whatever
 * the backend: {@code tools}, {@code tool_choice}, an assistant message's {@code tool_calls} and a tool message's
 * {@code tool_call_id}. Each wrong thing is a 400 that names where it is ({@code tools[2].function.name ...}), so a
 * client finds its mistake without reading a provider's error; what reaches a backend is always well formed:
 * <ul>
 *   <li>a tool's {@code parameters} is a JSON object (absent: {@value #EMPTY_SCHEMA});</li>
 *   <li>a call's {@code arguments} is the text of a JSON object, since Anthropic, Gemini and Ollama take them as an
 *   object and a text that is not one has no faithful translation;</li>
 *   <li>a tool message answers a call of the nearest assistant message before it that made calls, once.</li>
 * </ul>
 */
final class ToolFields {

    /** The schema of a tool that takes no arguments. */
    static final String EMPTY_SCHEMA = "{\"type\":\"object\",\"properties\":{}}";
    static final int MAX_TOOLS = 128;
    static final int MAX_CALLS = 128;
    static final int MAX_DESCRIPTION = 8192;
    static final int MAX_SCHEMA_CHARS = 64 * 1024;
    static final int MAX_ID = 256;
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final String NAME_RULE = "must be 1 to 64 letters, digits, '_' or '-'";

    private final ObjectMapper mapper;

    ToolFields(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** {@code tools}: empty when absent or null. */
    List<ToolDefinition> tools(JsonNode root) throws ApiError {
        JsonNode list = root.get("tools");
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw ApiError.invalid("\"tools\" must be an array.");
        }
        if (list.size() > MAX_TOOLS) {
            throw ApiError.invalid("\"tools\" holds " + list.size() + " tools; at most " + MAX_TOOLS
                    + " are accepted.");
        }
        List<ToolDefinition> out = new ArrayList<>(list.size());
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String where = "tools[" + i + "]";
            JsonNode tool = list.get(i);
            if (!tool.isObject()) {
                throw ApiError.invalid(where + " must be an object {\"type\":\"function\",\"function\":{...}}.");
            }
            checkType(tool, where);
            JsonNode function = tool.get("function");
            if (function == null || !function.isObject()) {
                throw ApiError.invalid(where + ".function must be an object with \"name\".");
            }
            String name = name(function, where + ".function.name");
            if (!names.add(name)) {
                throw ApiError.invalid(where + ".function.name \"" + name + "\" is the name of an earlier tool;"
                        + " each tool needs a name of its own.");
            }
            String description = "";
            JsonNode d = function.get("description");
            if (d != null && !d.isNull()) {
                if (!d.isTextual() || d.textValue().length() > MAX_DESCRIPTION) {
                    throw ApiError.invalid(where + ".function.description must be a string of at most "
                            + MAX_DESCRIPTION + " characters.");
                }
                description = d.textValue();
            }
            String parameters = EMPTY_SCHEMA;
            JsonNode p = function.get("parameters");
            if (p != null && !p.isNull()) {
                if (!p.isObject()) {
                    throw ApiError.invalid(where + ".function.parameters must be a JSON Schema object.");
                }
                parameters = write(p);
                if (parameters.length() > MAX_SCHEMA_CHARS) {
                    throw ApiError.invalid(where + ".function.parameters is larger than " + MAX_SCHEMA_CHARS
                            + " characters of JSON.");
                }
            }
            out.add(new ToolDefinition(name, description, parameters));
        }
        return out;
    }

    /** {@code tool_choice}, or null when absent; a named function must be one of {@code tools}. */
    ToolChoice toolChoice(JsonNode root, List<ToolDefinition> tools) throws ApiError {
        JsonNode c = root.get("tool_choice");
        if (c == null || c.isNull()) {
            return null;
        }
        if (c.isTextual()) {
            ToolChoice choice = switch (c.textValue()) {
                case "auto" -> ToolChoice.AUTO;
                case "none" -> ToolChoice.NONE;
                case "required" -> ToolChoice.REQUIRED;
                default -> null;
            };
            if (choice == null) {
                throw ApiError.invalid(choiceRule());
            }
            if (choice == ToolChoice.REQUIRED && tools.isEmpty()) {
                throw ApiError.invalid("\"tool_choice\" is \"required\" but the request offers no \"tools\".");
            }
            return choice;
        }
        if (!c.isObject()) {
            throw ApiError.invalid(choiceRule());
        }
        checkType(c, "tool_choice");
        JsonNode function = c.get("function");
        if (function == null || !function.isObject()) {
            throw ApiError.invalid("tool_choice.function must be an object with \"name\".");
        }
        String name = name(function, "tool_choice.function.name");
        for (ToolDefinition t : tools) {
            if (t.name().equals(name)) {
                return ToolChoice.function(name);
            }
        }
        throw ApiError.invalid("tool_choice.function.name \"" + name + "\" is not one of the request's \"tools\".");
    }

    private static String choiceRule() {
        return "\"tool_choice\" must be \"auto\", \"none\", \"required\" or"
                + " {\"type\":\"function\",\"function\":{\"name\":\"...\"}}.";
    }

    /** An assistant message's {@code tool_calls}: empty when absent or null. */
    List<ToolCall> toolCalls(JsonNode message, String where) throws ApiError {
        JsonNode list = message.get("tool_calls");
        if (list == null || list.isNull()) {
            return List.of();
        }
        where = where + ".tool_calls";
        if (!list.isArray()) {
            throw ApiError.invalid(where + " must be an array.");
        }
        if (list.size() > MAX_CALLS) {
            throw ApiError.invalid(where + " holds " + list.size() + " calls; at most " + MAX_CALLS
                    + " are accepted.");
        }
        List<ToolCall> out = new ArrayList<>(list.size());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String at = where + "[" + i + "]";
            JsonNode call = list.get(i);
            if (!call.isObject()) {
                throw ApiError.invalid(at + " must be an object {\"id\",\"type\":\"function\",\"function\":{...}}.");
            }
            String id = id(call.get("id"), at + ".id");
            if (!ids.add(id)) {
                throw ApiError.invalid(at + ".id \"" + id + "\" is the id of an earlier call of this message.");
            }
            checkType(call, at);
            JsonNode function = call.get("function");
            if (function == null || !function.isObject()) {
                throw ApiError.invalid(at + ".function must be an object with \"name\" and \"arguments\".");
            }
            String name = name(function, at + ".function.name");
            JsonNode arguments = function.get("arguments");
            if (arguments == null || !arguments.isTextual()) {
                throw ApiError.invalid(at + ".function.arguments must be a string: the text of a JSON object.");
            }
            if (!isObjectText(arguments.textValue())) {
                throw ApiError.invalid(at + ".function.arguments must be the text of a JSON object, such as"
                        + " \"{\\\"city\\\":\\\"Paris\\\"}\".");
            }
            out.add(new ToolCall(id, name, arguments.textValue()));
        }
        return out;
    }

    /**
     * A tool message's {@code tool_call_id}, checked against the calls of the nearest assistant message before it
     * that made calls ({@code earlier}: the messages read so far).
     */
    String toolCallId(JsonNode message, String where, List<ChatMessage> earlier) throws ApiError {
        String id = id(message.get("tool_call_id"), where + ".tool_call_id");
        for (int i = earlier.size() - 1; i >= 0; i--) {
            ChatMessage m = earlier.get(i);
            if (m.role() == ChatMessage.Role.ASSISTANT && !m.toolCalls().isEmpty()) {
                if (m.toolCalls().stream().noneMatch(c -> c.id().equals(id))) {
                    throw ApiError.invalid(where + ".tool_call_id \"" + id + "\" answers no call of messages[" + i
                            + "], the assistant message it follows.");
                }
                for (int j = i + 1; j < earlier.size(); j++) {
                    if (id.equals(earlier.get(j).toolCallId())) {
                        throw ApiError.invalid(where + ".tool_call_id \"" + id + "\" was answered already, by"
                                + " messages[" + j + "].");
                    }
                }
                return id;
            }
        }
        throw ApiError.invalid(where + " is a tool result, but no assistant message before it called a tool.");
    }

    private static void checkType(JsonNode object, String where) throws ApiError {
        JsonNode type = object.get("type");
        if (type == null || !"function".equals(type.textValue())) {
            throw ApiError.invalid(where + ".type must be \"function\".");
        }
    }

    private static String name(JsonNode function, String where) throws ApiError {
        JsonNode n = function.get("name");
        if (n == null || !n.isTextual() || !NAME.matcher(n.textValue()).matches()) {
            throw ApiError.invalid(where + " " + NAME_RULE + ".");
        }
        return n.textValue();
    }

    /** A call id goes upstream in every dialect and into logs: a short text with no control character. */
    private static String id(JsonNode n, String where) throws ApiError {
        if (n == null || !n.isTextual() || n.textValue().isEmpty() || n.textValue().length() > MAX_ID
                || n.textValue().chars().anyMatch(Character::isISOControl)) {
            throw ApiError.invalid(where + " must be a non-empty string of at most " + MAX_ID
                    + " characters, none of them a control character.");
        }
        return n.textValue();
    }

    private boolean isObjectText(String text) {
        try {
            JsonNode n = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(text);
            return n != null && n.isObject();
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    private String write(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree read from JSON always serialises", e);
        }
    }
}
