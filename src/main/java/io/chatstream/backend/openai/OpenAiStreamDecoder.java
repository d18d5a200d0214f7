package io.chatstream.backend.openai;

import com.fasterxml.jackson.core.JsonToken;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.upstream.EventStreamDecoder;
import io.chatstream.backend.upstream.Json;
import io.chatstream.backend.upstream.LineSplitter;
import io.chatstream.backend.upstream.Snippets;
import io.chatstream.backend.upstream.SseByteReader;
import io.chatstream.backend.upstream.StreamJson;
import io.chatstream.backend.upstream.ThinkSplitter;
import io.chatstream.backend.upstream.ToolCallAssembler;
import io.chatstream.backend.upstream.UpstreamException;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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
 *
 * <p>Cost: this runs once per token of every reply, so events are read as bytes ({@link SseByteReader}) and their
 * JSON token by token with one reused parser ({@link StreamJson}); the choice's fields are collected, unknown ones
 * skipped in place, and acted on at the end of the event, in the order above. A token costs the string of its text
 * and little else. An error object is read again as a tree, for its message.
 */
final class OpenAiStreamDecoder extends EventStreamDecoder {

    private final ThinkSplitter content;
    private final ToolCallAssembler toolCalls;
    private String finishReason;
    private boolean toolCallsSeen;
    private Usage usage;

    /** The choice acted on (index 0, else the first) and the one being read; swapped, never reallocated. */
    private Choice chosen = new Choice();
    private Choice reading = new Choice();
    private boolean hasChoice;
    private boolean error;

    OpenAiStreamDecoder(ChatSink sink) {
        this(sink, LineSplitter.DEFAULT_MAX_LINE_BYTES);
    }

    OpenAiStreamDecoder(ChatSink sink, int maxLineBytes) {
        super(sink, maxLineBytes, "no finish_reason, no [DONE]");
        this.content = new ThinkSplitter(sink);
        this.toolCalls = new ToolCallAssembler(maxLineBytes);
    }

    /** A server that omits {@code [DONE]}: its {@code finish_reason} is finish enough. */
    @Override
    protected void bodyEnded() {
        if (finishReason != null) {
            end();
        }
    }

    @Override
    protected void onEvent(String type, byte[] data, int length) {
        if (isDone(data, length)) {
            end();
            return;
        }
        JsonToken first = json.begin(data, 0, length);
        if (first == null) {
            return;
        }
        hasChoice = false;
        error = false;
        if (json.objectOrSkip()) {
            event();
        }
        json.end();
        if ("error".equals(type) || error) {
            String message = Json.errorMessage(json.document());
            throw UpstreamException.malformed("it reported an error mid-stream: "
                    + Snippets.of(message != null ? message : new String(data, 0, length, StandardCharsets.UTF_8)));
        }
        if (hasChoice) {
            choice(chosen);
        }
    }

    private void event() {
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            JsonToken value = json.next();
            switch (field) {
                case "choices" -> {
                    if (json.arrayOrSkip()) {
                        choices();
                    }
                }
                case "usage" -> {
                    if (json.objectOrSkip()) {
                        usage();
                    }
                }
                case "error" -> {
                    error = value != JsonToken.VALUE_NULL;
                    json.skip();
                }
                default -> json.skip();
            }
        }
    }

    /** Reads every choice; keeps the first of index 0, else the first of all. */
    private void choices() {
        while (json.next() != JsonToken.END_ARRAY) {
            reading.clear();
            if (json.token() == JsonToken.START_OBJECT) {
                choiceFields(reading);
            } else {
                json.skip(); // not an object: a choice of index 0 that says nothing, as a tree would read it
            }
            if (!hasChoice || chosen.index != 0 && reading.index == 0) {
                Choice c = chosen;
                chosen = reading;
                reading = c;
                hasChoice = true;
            }
        }
    }

    private void choiceFields(Choice c) {
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            switch (field) {
                case "index" -> c.index = json.asInt();
                case "finish_reason" -> c.finishReason = json.text();
                case "delta" -> {
                    if (json.objectOrSkip()) {
                        delta(c);
                    }
                }
                default -> json.skip();
            }
        }
    }

    private void delta(Choice c) {
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            switch (field) {
                case "content" -> c.content = json.text();
                case "reasoning_content" -> c.reasoningContent = json.text();
                case "reasoning" -> c.reasoning = json.text();
                case "tool_calls" -> {
                    if (json.arrayOrSkip()) {
                        toolCallPieces(c);
                    }
                }
                default -> json.skip();
            }
        }
    }

    /** The pieces of {@code delta.tool_calls}, kept with the choice until it is known to be the one acted on. */
    private void toolCallPieces(Choice c) {
        while (json.next() != JsonToken.END_ARRAY) {
            Piece piece = new Piece();
            c.pieces.add(piece);
            if (json.token() != JsonToken.START_OBJECT) {
                json.skip();
                continue;
            }
            while (json.next() == JsonToken.FIELD_NAME) {
                String field = json.name();
                JsonToken value = json.next();
                switch (field) {
                    case "index" -> piece.index = json.intOrNull();
                    case "id" -> piece.id = json.text();
                    case "function" -> {
                        if (value != JsonToken.START_OBJECT) {
                            json.skip();
                            continue;
                        }
                        while (json.next() == JsonToken.FIELD_NAME) {
                            String f = json.name();
                            json.next();
                            switch (f) {
                                case "name" -> piece.name = json.text();
                                case "arguments" -> piece.arguments = json.text();
                                default -> json.skip();
                            }
                        }
                    }
                    default -> json.skip();
                }
            }
        }
    }

    private void usage() {
        long prompt = 0;
        long completion = 0;
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            switch (field) {
                case "prompt_tokens" -> prompt = json.asLong();
                case "completion_tokens" -> completion = json.asLong();
                default -> json.skip();
            }
        }
        usage = new Usage(Math.max(0, prompt), Math.max(0, completion));
    }

    private void choice(Choice c) {
        String reasoning = c.reasoningContent;
        if (reasoning == null || reasoning.isEmpty()) {
            reasoning = c.reasoning;
        }
        if (reasoning != null && !reasoning.isEmpty()) {
            sink.reasoning(reasoning);
        }
        content.accept(c.content);
        if (!c.pieces.isEmpty()) {
            toolCallsSeen = true;
            for (Piece p : c.pieces) {
                toolCalls.add(p.index, p.id, p.name, p.arguments);
            }
        }
        String reason = c.finishReason;
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
        stop();
        flushContent();
        FinishReason reason = finishReason != null ? FinishReason.fromProvider(finishReason)
                : toolCallsSeen ? FinishReason.TOOL_CALLS : FinishReason.STOP;
        sink.end(reason, usage);
    }

    /** True when the data is {@code [DONE]}, blanks around it allowed. */
    private static boolean isDone(byte[] data, int length) {
        int from = 0;
        int to = length;
        while (from < to && (data[from] == ' ' || data[from] == '\t' || data[from] == '\n' || data[from] == '\r')) {
            from++;
        }
        while (to > from && (data[to - 1] == ' ' || data[to - 1] == '\t' || data[to - 1] == '\n'
                || data[to - 1] == '\r')) {
            to--;
        }
        return to - from == 6 && data[from] == '[' && data[from + 1] == 'D' && data[from + 2] == 'O'
                && data[from + 3] == 'N' && data[from + 4] == 'E' && data[from + 5] == ']';
    }

    /** What one choice of an event carries. */
    private static final class Choice {
        final List<Piece> pieces = new ArrayList<>(2);
        int index;
        String content;
        String reasoningContent;
        String reasoning;
        String finishReason;

        void clear() {
            pieces.clear();
            index = 0;
            content = null;
            reasoningContent = null;
            reasoning = null;
            finishReason = null;
        }
    }

    /** One piece of {@code delta.tool_calls}. */
    private static final class Piece {
        Integer index;
        String id;
        String name;
        String arguments;
    }
}
