package io.chatstream.backend.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.upstream.BodyDecoder;
import io.chatstream.backend.upstream.Json;
import io.chatstream.backend.upstream.LineSplitter;
import io.chatstream.backend.upstream.Snippets;
import io.chatstream.backend.upstream.ThinkSplitter;
import io.chatstream.backend.upstream.UpstreamException;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

import java.nio.ByteBuffer;

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
 */
final class OllamaStreamDecoder implements BodyDecoder {

    private final ChatSink sink;
    private final LineSplitter lines;
    private final ThinkSplitter content;
    private int toolCalls;
    private boolean done;

    OllamaStreamDecoder(ChatSink sink) {
        this(sink, LineSplitter.DEFAULT_MAX_LINE_BYTES);
    }

    OllamaStreamDecoder(ChatSink sink, int maxLineBytes) {
        this.sink = sink;
        this.lines = new LineSplitter(maxLineBytes, this::line);
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
            throw UpstreamException.malformed("the response ended before the reply finished (no \"done\": true line)");
        }
    }

    private void line(String line) {
        if (done || line.isBlank()) {
            return;
        }
        JsonNode node = Json.parse(line);
        JsonNode error = node.get("error");
        if (error != null && !error.isNull()) {
            String message = Json.errorMessage(node);
            throw UpstreamException.malformed("it reported an error mid-stream: "
                    + Snippets.of(message != null ? message : line));
        }
        JsonNode message = node.path("message");
        String thinking = Json.text(message, "thinking");
        if (thinking != null && !thinking.isEmpty()) {
            sink.reasoning(thinking);
        }
        content.accept(Json.text(message, "content"));
        JsonNode calls = message.get("tool_calls");
        if (calls != null && calls.isArray()) {
            for (JsonNode call : calls) {
                toolCall(call);
            }
        }
        if (node.path("done").asBoolean(false)) {
            done = true;
            content.flush();
            String reason = Json.text(node, "done_reason");
            FinishReason finish = reason == null && toolCalls > 0 ? FinishReason.TOOL_CALLS
                    : toolCalls > 0 && "stop".equals(reason) ? FinishReason.TOOL_CALLS
                    : FinishReason.fromProvider(reason);
            sink.end(finish, usage(node));
        }
    }

    private void toolCall(JsonNode call) {
        int n = toolCalls++;
        JsonNode function = call.path("function");
        String id = Json.text(call, "id");
        String name = Json.text(function, "name");
        JsonNode arguments = function.get("arguments");
        String args = arguments == null || arguments.isNull() ? "{}"
                : arguments.isTextual() ? arguments.textValue() : Json.string(arguments);
        sink.toolCall(new ToolCall(id != null && !id.isEmpty() ? id : "call_" + n, name != null ? name : "",
                args.isBlank() ? "{}" : args));
    }

    private static Usage usage(JsonNode done) {
        JsonNode prompt = done.get("prompt_eval_count");
        JsonNode completion = done.get("eval_count");
        if (prompt == null && completion == null) {
            return null;
        }
        return new Usage(Math.max(0, done.path("prompt_eval_count").asLong()),
                Math.max(0, done.path("eval_count").asLong()));
    }
}
