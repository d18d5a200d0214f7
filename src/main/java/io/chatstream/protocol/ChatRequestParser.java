package io.chatstream.protocol;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ToolChoice;
import io.chatstream.backend.ToolDefinition;
import io.chatstream.event.ToolCall;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the body of {@code POST /api/chat} ({@code SPEC.md} section 2) into a {@link ChatRequest}, or says in an
 * {@link ApiError} (400 {@code invalid_request}) exactly what is wrong. Strict UTF-8, one JSON object, nesting and
 * string sizes bounded, unknown fields ignored. {@code {"message":"text"}} is one user message. The tool fields
 * ({@code tools}, {@code tool_choice}, {@code tool_calls}, {@code tool_call_id}) are {@link ToolFields}'.
 */
public final class ChatRequestParser {

    /** Deeper JSON than this is refused before it costs a stack. */
    static final int MAX_DEPTH = 32;
    static final int MAX_MODEL_LENGTH = 256;
    static final int MAX_NUMBER_LENGTH = 100;

    private final ObjectMapper mapper;
    private final ToolFields toolFields;
    private final int maxMessages;

    public ChatRequestParser(int maxMessages, long maxBodyBytes) {
        this.maxMessages = maxMessages;
        this.mapper = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH)
                .maxStringLength((int) Math.min(Integer.MAX_VALUE, Math.max(1024, maxBodyBytes)))
                .maxNumberLength(MAX_NUMBER_LENGTH)
                .build());
        this.toolFields = new ToolFields(mapper);
    }

    public ChatRequest parse(byte[] body) throws ApiError {
        return read(body).request();
    }

    /** As {@link #parse}, with the body's fingerprint for {@code Idempotency-Key}. */
    public ParsedRequest read(byte[] body) throws ApiError {
        JsonNode root;
        try (JsonParser p = mapper.getFactory().createParser(strictUtf8(body))) {
            root = mapper.readTree(p);
            if (root != null && p.nextToken() != null) {
                throw ApiError.invalid("The body holds more than one JSON value; send one object.");
            }
        } catch (JsonProcessingException e) {
            throw notJson(e);
        } catch (IOException e) {
            throw ApiError.invalid("The body could not be read as JSON (it must be UTF-8).");
        }
        if (root == null || root.isMissingNode()) {
            throw ApiError.invalid("The body is empty; send a JSON object.");
        }
        if (!root.isObject()) {
            throw ApiError.invalid("The body must be a JSON object.");
        }
        List<ChatMessage> messages = messages(root);
        String model = optionalString(root, "model", MAX_MODEL_LENGTH);
        if (model != null) {
            checkModel(model);
        }
        Double temperature = null;
        JsonNode t = root.get("temperature");
        if (t != null && !t.isNull()) {
            if (!t.isNumber() || t.asDouble() < 0 || t.asDouble() > 2) {
                throw ApiError.invalid("\"temperature\" must be a number from 0 to 2.");
            }
            temperature = t.asDouble();
        }
        Integer maxTokens = null;
        JsonNode m = root.get("max_tokens");
        if (m != null && !m.isNull()) {
            if (!m.isIntegralNumber() || !m.canConvertToInt() || m.asInt() < 1) {
                throw ApiError.invalid("\"max_tokens\" must be a whole number of at least 1.");
            }
            maxTokens = m.asInt();
        }
        List<ToolDefinition> tools = toolFields.tools(root);
        ToolChoice toolChoice = toolFields.toolChoice(root, tools);
        return new ParsedRequest(new ChatRequest(messages, model, temperature, maxTokens, tools, toolChoice), root);
    }

    /**
     * What is wrong with a body that is not JSON, in words: the parser's own messages name its classes, features and
     * token types, which mean nothing to the person who sent the body. Where the parser gives no kind of its own,
     * its message is the only clue, and a message that changes in some version only makes the answer more general.
     */
    private static ApiError notJson(JsonProcessingException e) {
        String detail = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (e instanceof StreamConstraintsException) {
            if (detail.contains("nesting depth")) {
                return ApiError.invalid("The body's JSON nests deeper than " + MAX_DEPTH + " levels.");
            }
            if (detail.contains("Number value length")) {
                return ApiError.invalid("A number in the body has more than " + MAX_NUMBER_LENGTH + " digits.");
            }
            return ApiError.invalid("The body's JSON is larger than this server accepts.");
        }
        if (e instanceof JsonEOFException) {
            return ApiError.invalid("The body ends before its JSON does: an object, array or string is not closed.");
        }
        String where = where(e.getLocation());
        if (detail.startsWith("Duplicate field")) {
            return ApiError.invalid("The body has the same member twice in one object" + where + ".");
        }
        if (detail.contains("CTRL-CHAR")) {
            return ApiError.invalid("The body is not valid JSON: a string holds a raw control character; write it"
                    + " escaped, as \\n" + where + ".");
        }
        return ApiError.invalid("The body is not valid JSON" + where + ".");
    }

    /** {@code " (line L, column C)"}, or nothing when the parser did not say. */
    private static String where(JsonLocation location) {
        if (location == null || location.getLineNr() < 1 || location.getColumnNr() < 1) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    /**
     * Decodes strictly: a malformed or overlong sequence or an encoded surrogate is refused (a JSON parser may let
     * some of these through as other characters).
     */
    private static String strictUtf8(byte[] body) throws ApiError {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw ApiError.invalid("The body is not valid UTF-8.");
        }
    }

    /** {@code GET /api/chat?prompt=TEXT&model=M}. */
    public ChatRequest fromQuery(Map<String, String[]> params) throws ApiError {
        return readQuery(params).request();
    }

    /**
     * As {@link #fromQuery}, with a fingerprint for {@code Idempotency-Key}: that of {@code {"prompt":...}} (and
     * {@code "model"}), the query's own form.
     */
    public ParsedRequest readQuery(Map<String, String[]> params) throws ApiError {
        String prompt = single(params, "prompt");
        if (prompt == null || prompt.isEmpty()) {
            throw ApiError.invalid("The query parameter \"prompt\" is required.");
        }
        String model = single(params, "model");
        if (model != null) {
            checkModel(model);
        }
        ObjectNode query = mapper.createObjectNode().put("prompt", prompt);
        if (model != null) {
            query.put("model", model);
        }
        return new ParsedRequest(new ChatRequest(List.of(ChatMessage.user(prompt)), model, null, null), query);
    }

    private static String single(Map<String, String[]> params, String name) throws ApiError {
        String[] values = params.get(name);
        if (values == null || values.length == 0) {
            return null;
        }
        if (values.length > 1) {
            throw ApiError.invalid("The query parameter \"" + name + "\" is given more than once.");
        }
        return values[0];
    }

    private List<ChatMessage> messages(JsonNode root) throws ApiError {
        JsonNode list = root.get("messages");
        JsonNode shorthand = root.get("message");
        if (list != null && !list.isNull() && shorthand != null && !shorthand.isNull()) {
            throw ApiError.invalid("The body has both \"messages\" and \"message\"; send one of them.");
        }
        if (list == null || list.isNull()) {
            if (shorthand == null || shorthand.isNull()) {
                throw ApiError.invalid("The body needs \"messages\" (an array) or \"message\" (a string).");
            }
            if (!shorthand.isTextual() || shorthand.textValue().isEmpty()) {
                throw ApiError.invalid("\"message\" must be a non-empty string.");
            }
            return List.of(ChatMessage.user(shorthand.textValue()));
        }
        if (!list.isArray()) {
            throw ApiError.invalid("\"messages\" must be an array.");
        }
        if (list.isEmpty()) {
            throw ApiError.invalid("\"messages\" must hold at least one message.");
        }
        if (list.size() > maxMessages) {
            throw ApiError.invalid("\"messages\" holds " + list.size() + " messages; at most " + maxMessages
                    + " are accepted.");
        }
        List<ChatMessage> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject()) {
                throw ApiError.invalid(where + " must be an object with \"role\" and \"content\".");
            }
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual()) {
                throw ApiError.invalid(where + ".role must be one of system, user, assistant, tool.");
            }
            ChatMessage.Role r = ChatMessage.Role.fromWire(role.textValue());
            if (r == null) {
                throw ApiError.invalid(where + ".role must be one of system, user, assistant, tool.");
            }
            List<ToolCall> calls = r == ChatMessage.Role.ASSISTANT ? toolFields.toolCalls(m, where) : List.of();
            JsonNode content = m.get("content");
            String text;
            if ((content == null || content.isNull()) && !calls.isEmpty()) {
                text = "";
            } else if (content == null || !content.isTextual()) {
                throw ApiError.invalid(where + ".content must be a string"
                        + (r == ChatMessage.Role.ASSISTANT ? " (or null when the message has tool_calls)." : "."));
            } else {
                text = content.textValue();
            }
            if (text.isEmpty() && r != ChatMessage.Role.ASSISTANT && r != ChatMessage.Role.TOOL) {
                throw ApiError.invalid(where + ".content must not be empty.");
            }
            String toolCallId = r == ChatMessage.Role.TOOL ? toolFields.toolCallId(m, where, out) : null;
            out.add(new ChatMessage(r, text, calls, toolCallId));
        }
        return out;
    }

    /**
     * A model name goes upstream (in a JSON body, perhaps a URL or header) and into logs: a control character has
     * no place in one.
     */
    private static void checkModel(String model) throws ApiError {
        if (model.isEmpty() || model.length() > MAX_MODEL_LENGTH || model.chars().anyMatch(Character::isISOControl)) {
            throw ApiError.invalid("\"model\" must be a non-empty string of at most " + MAX_MODEL_LENGTH
                    + " characters, none of them a control character.");
        }
    }

    private static String optionalString(JsonNode root, String field, int maxLength) throws ApiError {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual() || n.textValue().isEmpty() || n.textValue().length() > maxLength) {
            throw ApiError.invalid("\"" + field + "\" must be a non-empty string of at most " + maxLength
                    + " characters.");
        }
        return n.textValue();
    }
}
