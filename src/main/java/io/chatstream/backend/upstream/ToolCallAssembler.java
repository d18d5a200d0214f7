package io.chatstream.backend.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.event.ToolCall;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Assembles the tool calls of an OpenAI-style stream, which arrive in pieces keyed by {@code index}:
 * <pre>
 * {"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}
 * {"index":0,"function":{"arguments":"{\"city\":"}}
 * {"index":0,"function":{"arguments":"\"Paris\"}"}}
 * </pre>
 * The first {@code id} and {@code name} seen for an index are kept; {@code arguments} pieces are concatenated.
 * A piece without {@code index} continues the last call, or starts a new one when it brings a new {@code id}.
 * {@link #drain()} hands out the complete calls in index order: a call without id gets {@code call_<index>}, empty
 * arguments become {@code {}}.
 *
 * <p>Not thread-safe: one reply, one thread at a time.
 */
public final class ToolCallAssembler {

    /** The most calls one reply may open: each costs memory even when it brings no text. */
    static final int MAX_CALLS = 1024;

    private final TreeMap<Integer, Builder> calls = new TreeMap<>();
    private final int maxChars;
    private int chars;
    private Builder last;

    /** @param maxChars the bound of all the calls' text together; beyond it an {@link UpstreamException} */
    public ToolCallAssembler(int maxChars) {
        this.maxChars = maxChars;
    }

    /** Adds the pieces of one {@code delta.tool_calls} array. */
    public void add(JsonNode toolCalls) {
        if (toolCalls == null || !toolCalls.isArray()) {
            return;
        }
        for (JsonNode piece : toolCalls) {
            addPiece(piece);
        }
    }

    /** True when no call is pending. */
    public boolean isEmpty() {
        return calls.isEmpty();
    }

    /** The calls assembled so far, in index order; forgets them. */
    public List<ToolCall> drain() {
        List<ToolCall> done = new ArrayList<>(calls.size());
        for (Map.Entry<Integer, Builder> e : calls.entrySet()) {
            done.add(e.getValue().build(e.getKey()));
        }
        calls.clear();
        last = null;
        chars = 0;
        return done;
    }

    private void addPiece(JsonNode piece) {
        JsonNode index = piece.path("index");
        JsonNode function = piece.path("function");
        add(index.canConvertToInt() ? index.asInt() : null, Json.text(piece, "id"), Json.text(function, "name"),
                Json.text(function, "arguments"));
    }

    /**
     * Adds one piece, read by the caller: its {@code index} (null when absent or not an int), {@code id},
     * {@code function.name} and {@code function.arguments}, each null when absent.
     */
    public void add(Integer index, String id, String name, String arguments) {
        Builder b = builderFor(index, id);
        if (b.id == null && id != null && !id.isEmpty()) {
            b.id = id;
        }
        if (b.name == null && name != null && !name.isEmpty()) {
            b.name = name;
            count(name.length());
        }
        if (arguments != null) {
            count(arguments.length());
            b.arguments.append(arguments);
        }
    }

    private Builder builderFor(Integer index, String id) {
        Integer key;
        if (index != null) {
            key = index;
        } else if (last != null && (id == null || id.isEmpty() || id.equals(last.id))) {
            return last;
        } else {
            key = calls.isEmpty() ? 0 : calls.lastKey() + 1;
        }
        if (calls.size() >= MAX_CALLS && !calls.containsKey(key)) {
            throw UpstreamException.malformed("it opened more than " + MAX_CALLS + " tool calls");
        }
        last = calls.computeIfAbsent(key, k -> new Builder());
        return last;
    }

    private void count(int n) {
        chars += n;
        if (chars > maxChars) {
            throw UpstreamException.malformed("the tool calls were longer than " + maxChars + " characters");
        }
    }

    private static final class Builder {
        String id;
        String name;
        final StringBuilder arguments = new StringBuilder();

        ToolCall build(int index) {
            String args = arguments.toString();
            return new ToolCall(id != null ? id : "call_" + index, name != null ? name : "",
                    args.isBlank() ? "{}" : args);
        }
    }
}
