package io.chatstream.backend.ollama;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.upstream.BodyDecoder;
import io.chatstream.backend.upstream.ByteLineSplitter;
import io.chatstream.backend.upstream.Json;
import io.chatstream.backend.upstream.LineSplitter;
import io.chatstream.backend.upstream.Snippets;
import io.chatstream.backend.upstream.StreamJson;
import io.chatstream.backend.upstream.ThinkSplitter;
import io.chatstream.backend.upstream.UpstreamException;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes a streamed Ollama {@code /api/chat} response, one JSON object a line:
 * <pre>
 * {"model":"qwen3","created_at":"2025-05-29T09:35:56Z","message":{"role":"assistant","content":"","thinking":"The user"},"done":false}
 * {"model":"qwen3","created_at":"2025-05-29T09:35:57Z","message":{"role":"assistant","content":"Hello"},"done":false}
 * {"model":"qwen3","created_at":"2025-05-29T09:35:57Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":26,"eval_count":298}
 * </pre>
 *
 * <p>Mapping: {@code message.thinking} -&gt; {@code reasoning}, before the content of the same line;
 * {@code message.content} -&gt; {@code chunk}, with a leading {@code <think>} block -&gt; {@code reasoning} (older
 * Ollama versions leave it in the content); each of {@code message.tool_calls} (complete, with {@code arguments} as
 * an object) -&gt; one {@code toolCall}, its arguments as compact JSON text; the {@code done: true} line's
 * {@code done_reason}, {@code prompt_eval_count} and {@code eval_count} -&gt; the one {@code end}. Blank lines are
 * skipped.
 *
 * <p>Failures, thrown as {@link UpstreamException}: an {@code {"error": "..."}} line; a line that is not JSON; a
 * body that ends without a {@code done: true} line.
 *
 * <p>Cost: this runs once per token of every reply, so lines are read as bytes ({@link ByteLineSplitter}) and their
 * JSON token by token with one reused parser ({@link StreamJson}); the fields are collected, unknown ones skipped in
 * place, and acted on at the end of the line, in the order above. A token costs the string of its text and little
 * else. An error line is read again as a tree, for its message.
 */
final class OllamaStreamDecoder implements BodyDecoder {

    private final ChatSink sink;
    private final ByteLineSplitter lines;
    private final StreamJson json = new StreamJson();
    private final ThinkSplitter content;
    private int toolCalls;
    private boolean done;

    // what the current line carries
    private boolean error;
    private String thinking;
    private String text;
    private final List<Call> calls = new ArrayList<>(2);
    private boolean last;
    private String doneReason;
    private boolean hasUsage;
    private long promptTokens;
    private long completionTokens;

    OllamaStreamDecoder(ChatSink sink) {
        this(sink, LineSplitter.DEFAULT_MAX_LINE_BYTES);
    }

    OllamaStreamDecoder(ChatSink sink, int maxLineBytes) {
        this.sink = sink;
        this.lines = new ByteLineSplitter(maxLineBytes, this::line);
        this.content = new ThinkSplitter(sink);
    }

    @Override
    public void feed(ByteBuffer bytes) {
        if (!done) {
            lines.feed(bytes);
        }
    }

    @Override
    public void finish() {
        if (done) {
            return;
        }
        lines.finish();
        if (!done) {
            json.close();
            throw UpstreamException.malformed("the response ended before the reply finished (no \"done\": true line)");
        }
    }

    private void line(byte[] bytes, int offset, int length) {
        if (done) {
            return;
        }
        JsonToken first = json.begin(bytes, offset, length);
        if (first == null) {
            return; // a blank line
        }
        clear();
        if (json.objectOrSkip()) {
            fields();
        }
        json.end();
        if (error) {
            String message = Json.errorMessage(json.document());
            throw UpstreamException.malformed("it reported an error mid-stream: "
                    + Snippets.of(message != null ? message : new String(bytes, offset, length, StandardCharsets.UTF_8)));
        }
        if (thinking != null && !thinking.isEmpty()) {
            sink.reasoning(thinking);
        }
        content.accept(text);
        for (Call call : calls) {
            toolCall(call);
        }
        if (last) {
            done = true;
            json.close();
            content.flush();
            FinishReason finish = doneReason == null && toolCalls > 0 ? FinishReason.TOOL_CALLS
                    : toolCalls > 0 && "stop".equals(doneReason) ? FinishReason.TOOL_CALLS
                    : FinishReason.fromProvider(doneReason);
            sink.end(finish, hasUsage ? new Usage(Math.max(0, promptTokens), Math.max(0, completionTokens)) : null);
        }
    }

    private void clear() {
        error = false;
        thinking = null;
        text = null;
        calls.clear();
        last = false;
        doneReason = null;
        hasUsage = false;
        promptTokens = 0;
        completionTokens = 0;
    }

    private void fields() {
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            JsonToken value = json.next();
            switch (field) {
                case "message" -> {
                    if (json.objectOrSkip()) {
                        message();
                    }
                }
                case "done" -> last = asBoolean(value);
                case "done_reason" -> doneReason = json.text();
                case "prompt_eval_count" -> {
                    hasUsage = true;
                    promptTokens = json.asLong();
                }
                case "eval_count" -> {
                    hasUsage = true;
                    completionTokens = json.asLong();
                }
                case "error" -> {
                    error = value != JsonToken.VALUE_NULL;
                    json.skip();
                }
                default -> json.skip();
            }
        }
    }

    /** {@link JsonNode#asBoolean(boolean)} with default false: booleans, integers not 0, "true" text. */
    private boolean asBoolean(JsonToken value) {
        return switch (value) {
            case VALUE_TRUE -> true;
            case VALUE_NUMBER_INT -> json.asLong() != 0;
            case VALUE_STRING -> "true".equals(json.text().trim());
            default -> {
                json.skip();
                yield false;
            }
        };
    }

    private void message() {
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            JsonToken value = json.next();
            switch (field) {
                case "thinking" -> thinking = json.text();
                case "content" -> text = json.text();
                case "tool_calls" -> {
                    if (value == JsonToken.START_ARRAY) {
                        while (json.next() != JsonToken.END_ARRAY) {
                            calls.add(call());
                        }
                    } else {
                        json.skip();
                    }
                }
                default -> json.skip();
            }
        }
    }

    /** One of {@code message.tool_calls}; anything not an object is a call that says nothing, as a tree read it. */
    private Call call() {
        Call call = new Call();
        if (json.token() != JsonToken.START_OBJECT) {
            json.skip();
            return call;
        }
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            JsonToken value = json.next();
            if (field.equals("id")) {
                call.id = json.text();
            } else if (field.equals("function") && value == JsonToken.START_OBJECT) {
                while (json.next() == JsonToken.FIELD_NAME) {
                    String f = json.name();
                    JsonToken v = json.next();
                    if (f.equals("name")) {
                        call.name = json.text();
                    } else if (f.equals("arguments")) {
                        call.arguments = v == JsonToken.VALUE_NULL ? null
                                : v == JsonToken.VALUE_STRING ? json.text() : Json.string(json.tree());
                    } else {
                        json.skip();
                    }
                }
            } else {
                json.skip();
            }
        }
        return call;
    }

    private void toolCall(Call call) {
        int n = toolCalls++;
        String args = call.arguments == null ? "{}" : call.arguments;
        sink.toolCall(new ToolCall(call.id != null && !call.id.isEmpty() ? call.id : "call_" + n,
                call.name != null ? call.name : "", args.isBlank() ? "{}" : args));
    }

    /** A tool call as its line carries it. */
    private static final class Call {
        String id;
        String name;
        String arguments;
    }
}
