package io.chatstream.backend.upstream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;

/** The one Jackson mapper of the HTTP backends, and the few reads they share. */
public final class Json {

    /** Thread-safe once configured; never reconfigured. */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /**
     * Parses one event's or line's JSON.
     *
     * @throws UpstreamException it is not JSON
     */
    public static JsonNode parse(String json) {
        try {
            JsonNode node = MAPPER.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw UpstreamException.malformed("it sent an empty event where JSON was expected");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw UpstreamException.malformed("it sent something that is not JSON: " + Snippets.of(json));
        }
    }

    /** The text of {@code node.field}, or null when it is absent, null or not a string. */
    public static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    /**
     * What goes upstream of a message's content: an assistant message's without its {@code <think>} block, since
     * reasoning is never sent back; any other as it is.
     */
    public static String sentContent(ChatMessage m) {
        return m.role() == ChatMessage.Role.ASSISTANT ? ThinkSplitter.stripThinking(m.content()) : m.content();
    }

    /**
     * The system text of the dialects that keep it apart from the conversation (Anthropic's {@code system},
     * Gemini's {@code systemInstruction}, the Responses API's {@code instructions}): every {@code system} message
     * that is not blank, wherever it stands, joined by a blank line; null when there is none.
     */
    public static String systemText(ChatRequest request) {
        StringBuilder system = new StringBuilder();
        for (ChatMessage m : request.messages()) {
            if (m.role() == ChatMessage.Role.SYSTEM && !m.content().isBlank()) {
                system.append(system.length() == 0 ? "" : "\n\n").append(m.content());
            }
        }
        return system.length() == 0 ? null : system.toString();
    }

    /** A new empty object node. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** {@code node} as compact JSON bytes. */
    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain nodes always serialises", e);
        }
    }

    /** {@code node} as compact JSON text. */
    public static String string(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain nodes always serialises", e);
        }
    }

    /**
     * The message of a provider's error object, in any of the shapes they use: {@code {"error":{"message":"..."}}},
     * {@code {"error":"..."}}, {@code {"message":"..."}}, {@code {"detail":"..."}}; null when none fits.
     */
    public static String errorMessage(JsonNode node) {
        JsonNode error = node.get("error");
        if (error != null) {
            if (error.isTextual()) {
                return error.textValue();
            }
            String message = text(error, "message");
            if (message != null) {
                return message;
            }
            if (error.isObject()) {
                return string(error);
            }
        }
        String message = text(node, "message");
        if (message != null) {
            return message;
        }
        return text(node, "detail");
    }
}
