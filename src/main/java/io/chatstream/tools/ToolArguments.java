package io.chatstream.tools;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Iterator;
import java.util.Set;

/**
 * A call's arguments, read as untrusted input: one JSON object (at most {@value #MAX_CHARS} characters, nesting at
 * most 20 deep), whose fields are asked for by name and type. Every refusal is an {@link IllegalArgumentException}
 * whose message says what was wrong in words the model can act on; it becomes the call's {@code error: ...} result.
 *
 * <pre>{@code
 * ToolArguments args = ToolArguments.parse(context.arguments(), Set.of("zone"));
 * String zone = args.optionalString("zone", "UTC", 64);
 * }</pre>
 */
public final class ToolArguments {

    /** The longest arguments text accepted. */
    public static final int MAX_CHARS = 16_384;

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(20).build())
            .build());

    private final JsonNode object;

    private ToolArguments(JsonNode object) {
        this.object = object;
    }

    /**
     * Parses {@code json}: one JSON object (an empty text counts as {@code {}}) whose field names are all among
     * {@code allowed}.
     *
     * @throws IllegalArgumentException not JSON, not an object, too long, or a field not allowed
     */
    public static ToolArguments parse(String json, Set<String> allowed) {
        if (json == null || json.isBlank()) {
            return new ToolArguments(MAPPER.createObjectNode());
        }
        if (json.length() > MAX_CHARS) {
            throw new IllegalArgumentException("the arguments are longer than " + MAX_CHARS + " characters");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the arguments are not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("the arguments must be a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new IllegalArgumentException("unknown argument '" + shorten(name) + "'; expected "
                        + (allowed.isEmpty() ? "none" : String.join(", ", allowed.stream().sorted().toList())));
            }
        }
        return new ToolArguments(node);
    }

    /**
     * The string field {@code name}, trimmed, or {@code defaultValue} when absent, null or blank.
     *
     * @throws IllegalArgumentException not a string, or longer than {@code maxLength}
     */
    public String optionalString(String name, String defaultValue, int maxLength) {
        JsonNode v = object.get(name);
        if (v == null || v.isNull()) {
            return defaultValue;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("'" + name + "' must be a string");
        }
        String s = v.asText().trim();
        if (s.length() > maxLength) {
            throw new IllegalArgumentException("'" + name + "' is longer than " + maxLength + " characters");
        }
        return s.isEmpty() ? defaultValue : s;
    }

    /**
     * The string field {@code name}, trimmed.
     *
     * @throws IllegalArgumentException absent, blank, not a string, or longer than {@code maxLength}
     */
    public String requiredString(String name, int maxLength) {
        String s = optionalString(name, null, maxLength);
        if (s == null) {
            throw new IllegalArgumentException("'" + name + "' is required");
        }
        return s;
    }

    /** A name from the model, cut for an error message. */
    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
