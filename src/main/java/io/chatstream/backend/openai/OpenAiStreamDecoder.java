package io.chatstream.backend.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.upstream.BodyDecoder;
import io.chatstream.backend.upstream.Json;
import io.chatstream.backend.upstream.LineSplitter;
import io.chatstream.backend.upstream.Snippets;
import io.chatstream.backend.upstream.SseReader;
import io.chatstream.backend.upstream.ThinkSplitter;
import io.chatstream.backend.upstream.ToolCallAssembler;
import io.chatstream.backend.upstream.UpstreamException;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

import java.nio.ByteBuffer;

/**
 * Decodes a streamed {@code chat.completions} response of the OpenAI dialect into sink calls. A typical body, with
 * {@code stream_options.include_usage}:
 * <pre>
 * data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}
 *
 * data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}
 *
 * data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}
 *
 * data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}
 *
 * data: [DONE]
 * </pre>
 *
 * <p>Mapping, for the first choice: {@code delta.reasoning_content} (DeepSeek, SiliconFlow, older vLLM) or else
 * {@code delta.reasoning} (OpenRouter, newer vLLM) -&gt; {@code reasoning}, before the content of the same chunk;
 * {@code delta.content} -&gt; {@code chunk}, with a leading {@code <think>} block -&gt; {@code reasoning} (see
 * {@link ThinkSplitter}); {@code delta.tool_calls} -&gt; assembled, one {@code toolCall} each once
 * {@code finish_reason} arrives; {@code usage} (on any chunk, usually a last one with empty {@code choices}) and
 * {@code finish_reason} -&gt; the one {@code end}, made at {@code [DONE]}, or when the body ends after a
 * {@code finish_reason}. Comments ({@code : keep-alive}, {@code : OPENROUTER PROCESSING}) are skipped.
 *
 * <p>Failures, thrown as {@link UpstreamException}: an {@code {"error": ...}} object or an {@code event: error} in
 * the stream; data that is not JSON; a body that ends with neither {@code [DONE]} nor a {@code finish_reason}.
 */
final class OpenAiStreamDecoder implements BodyDecoder, SseReader.Handler {

    private final ChatSink sink;
    private final SseReader reader;
    private final ThinkSplitter content;
    private final ToolCallAssembler toolCalls;
    private String finishReason;
    private boolean toolCallsSeen;
    private Usage usage;
    private boolean done;

    OpenAiStreamDecoder(ChatSink sink) {
        this(sink, LineSplitter.DEFAULT_MAX_LINE_BYTES);
    }

    OpenAiStreamDecoder(ChatSink sink, int maxLineBytes) {
        this.sink = sink;
        this.reader = new SseReader(maxLineBytes, this);
        this.content = new ThinkSplitter(sink);
        this.toolCalls = new ToolCallAssembler(maxLineBytes);
    }

    @Override
    public void feed(ByteBuffer bytes) {
        if (!done) {
            reader.feed(bytes);
        }
    }

    @Override
    public void finish() {
        if (done) {
            return;
        }
        reader.finish();
        if (!done && finishReason != null) {
            end(); // a server that omits [DONE]: its finish_reason is finish enough
        }
        if (!done) {
            throw UpstreamException.malformed("the response ended before the reply finished (no finish_reason, no [DONE])");
        }
    }

    @Override
    public void onEvent(String type, String data) {
        if (done) {
            return;
        }
        String trimmed = data.strip();
        if (trimmed.equals("[DONE]")) {
            end();
            return;
        }
        if (trimmed.isEmpty()) {
            return;
        }
        JsonNode event = Json.parse(trimmed);
        JsonNode error = event.get("error");
        if ("error".equals(type) || error != null && !error.isNull()) {
            String message = Json.errorMessage(event);
            throw UpstreamException.malformed("it reported an error mid-stream: "
                    + Snippets.of(message != null ? message : trimmed));
        }
        JsonNode choices = event.path("choices");
        if (choices.isArray() && !choices.isEmpty()) {
            choice(firstChoice(choices));
        }
        JsonNode u = event.get("usage");
        if (u != null && u.isObject()) {
            usage = new Usage(Math.max(0, u.path("prompt_tokens").asLong()),
                    Math.max(0, u.path("completion_tokens").asLong()));
        }
    }

    private static JsonNode firstChoice(JsonNode choices) {
        for (JsonNode c : choices) {
            if (c.path("index").asInt(0) == 0) {
                return c;
            }
        }
        return choices.get(0);
    }

    private void choice(JsonNode choice) {
        JsonNode delta = choice.path("delta");
        String reasoning = Json.text(delta, "reasoning_content");
        if (reasoning == null || reasoning.isEmpty()) {
            reasoning = Json.text(delta, "reasoning");
        }
        if (reasoning != null && !reasoning.isEmpty()) {
            sink.reasoning(reasoning);
        }
        content.accept(Json.text(delta, "content"));
        JsonNode calls = delta.get("tool_calls");
        if (calls != null && calls.isArray() && !calls.isEmpty()) {
            toolCallsSeen = true;
            toolCalls.add(calls);
        }
        String reason = Json.text(choice, "finish_reason");
        if (reason != null && !reason.isEmpty()) {
            finishReason = reason;
            flushContent();
        }
    }

    private void flushContent() {
        content.flush();
        for (ToolCall call : toolCalls.drain()) {
            sink.toolCall(call);
        }
    }

    private void end() {
        done = true;
        flushContent();
        FinishReason reason = finishReason != null ? FinishReason.fromProvider(finishReason)
                : toolCallsSeen ? FinishReason.TOOL_CALLS : FinishReason.STOP;
        sink.end(reason, usage);
    }
}
