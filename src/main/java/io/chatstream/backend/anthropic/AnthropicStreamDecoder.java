package io.chatstream.backend.anthropic;

import com.fasterxml.jackson.core.JsonToken;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.upstream.EventStreamDecoder;
import io.chatstream.backend.upstream.LineSplitter;
import io.chatstream.backend.upstream.Snippets;
import io.chatstream.backend.upstream.SseByteReader;
import io.chatstream.backend.upstream.StreamJson;
import io.chatstream.backend.upstream.UpstreamException;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

import java.util.Map;
import java.util.TreeMap;

/**
 * Decodes a streamed Anthropic Messages API response into sink calls. The body, as the API documents it
 * ("Streaming Messages"), with a ping and extended thinking:
 * <pre>
 * event: message_start
 * data: {"type": "message_start", "message": {"id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "type": "message", "role": "assistant", "content": [], "model": "claude-sonnet-4-5", "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 25, "output_tokens": 1}}}
 *
 * event: content_block_start
 * data: {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}
 *
 * event: content_block_delta
 * data: {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Let me solve this step by step"}}
 *
 * event: content_block_delta
 * data: {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds..."}}
 *
 * event: content_block_stop
 * data: {"type": "content_block_stop", "index": 0}
 *
 * event: ping
 * data: {"type": "ping"}
 *
 * event: content_block_start
 * data: {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}
 *
 * event: content_block_delta
 * data: {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hello"}}
 *
 * event: content_block_stop
 * data: {"type": "content_block_stop", "index": 1}
 *
 * event: message_delta
 * data: {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence":null}, "usage": {"output_tokens": 15}}
 *
 * event: message_stop
 * data: {"type": "message_stop"}
 * </pre>
 *
 * <p>Mapping: {@code text_delta} -&gt; {@code chunk}; {@code thinking_delta} -&gt; {@code reasoning}; a
 * {@code tool_use} block (its {@code id} and {@code name} from {@code content_block_start}, its
 * {@code input_json_delta} pieces joined per block {@code index}) -&gt; one {@code toolCall} at its
 * {@code content_block_stop}; {@code signature_delta}, {@code citations_delta}, {@code redacted_thinking} and
 * server-tool blocks carry nothing a client is shown and are skipped; {@code ping} and event types this decoder does
 * not know are skipped. {@code message_start}'s {@code usage} (input, plus cache creation and cache read input
 * tokens) and {@code message_delta}'s cumulative {@code usage} and {@code stop_reason} make the one {@code end}, sent
 * at {@code message_stop}: {@code end_turn}, {@code stop_sequence} and {@code pause_turn} -&gt; {@code stop},
 * {@code max_tokens} and {@code model_context_window_exceeded} -&gt; {@code length}, {@code tool_use} -&gt;
 * {@code tool_calls}.
 *
 * <p>Failures, thrown as {@link UpstreamException}: an {@code error} event ({@code overloaded_error} and
 * {@code rate_limit_error} as {@code upstream_rate_limited}, anything else as {@code upstream_error}); a
 * {@code refusal} stop reason (the model declined to go on: {@code upstream_error}, so a client does not take the cut
 * reply for a whole one); data that is not a JSON object; a body that ends without {@code message_stop}.
 *
 * <p>Cost: this runs once per token of every reply, so events are read as bytes ({@link SseByteReader}; the
 * {@code event:} line is ignored, the data naming its type again) and their JSON token by token with one reused
 * parser ({@link StreamJson}): no string per line, no tree per event.
 */
final class AnthropicStreamDecoder extends EventStreamDecoder {

    /** The most tool blocks one reply may have open at once: each costs memory even when it brings no text. */
    static final int MAX_OPEN_TOOLS = 1024;

    private enum Type { OTHER, MESSAGE_START, BLOCK_START, BLOCK_DELTA, BLOCK_STOP, MESSAGE_DELTA, MESSAGE_STOP, ERROR }

    private enum Part { OTHER, TEXT, THINKING, INPUT_JSON, TOOL_USE }

    private final int maxToolChars;
    private final TreeMap<Integer, ToolBuilder> tools = new TreeMap<>();
    private int toolChars;
    private long promptTokens = -1;
    private long completionTokens = -1;
    private String stopReason;

    // What the current event carries; reset before each.
    private Type type;
    private int index;
    private Part part;
    private String text;
    private String blockId;
    private String blockName;
    private String errorType;
    private String errorMessage;

    AnthropicStreamDecoder(ChatSink sink) {
        this(sink, LineSplitter.DEFAULT_MAX_LINE_BYTES);
    }

    /** @param maxBytes the bound of one event, and of all tool call text together */
    AnthropicStreamDecoder(ChatSink sink, int maxBytes) {
        super(sink, maxBytes, "no message_stop");
        this.maxToolChars = maxBytes;
    }

    @Override
    protected void onEvent(String eventName, byte[] data, int length) {
        type = Type.OTHER;
        index = -1;
        part = Part.OTHER;
        text = null;
        blockId = null;
        blockName = null;
        errorType = null;
        errorMessage = null;
        json.beginObject(data, 0, length);
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            switch (field) {
                case "type" -> type = eventType();
                case "index" -> index = (int) json.longOr(-1);
                case "delta", "content_block" -> {
                    if (json.objectOrSkip()) {
                        part();
                    }
                }
                case "message" -> {
                    if (json.objectOrSkip()) {
                        message();
                    }
                }
                case "usage" -> {
                    if (json.objectOrSkip()) {
                        usage();
                    }
                }
                case "error" -> {
                    if (json.objectOrSkip()) {
                        error();
                    }
                }
                default -> json.skip();
            }
        }
        json.end();
        act();
    }

    private Type eventType() {
        if (json.textEquals("content_block_delta")) {
            return Type.BLOCK_DELTA;
        } else if (json.textEquals("content_block_start")) {
            return Type.BLOCK_START;
        } else if (json.textEquals("content_block_stop")) {
            return Type.BLOCK_STOP;
        } else if (json.textEquals("message_start")) {
            return Type.MESSAGE_START;
        } else if (json.textEquals("message_delta")) {
            return Type.MESSAGE_DELTA;
        } else if (json.textEquals("message_stop")) {
            return Type.MESSAGE_STOP;
        } else if (json.textEquals("error")) {
            return Type.ERROR;
        }
        json.skip();
        return Type.OTHER;
    }

    /** A {@code delta} or {@code content_block} object, entered. */
    private void part() {
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            switch (field) {
                case "type" -> part = partType();
                case "text", "thinking", "partial_json" -> text = json.text();
                case "id" -> blockId = json.text();
                case "name" -> blockName = json.text();
                case "stop_reason" -> {
                    String reason = json.text();
                    if (reason != null) {
                        stopReason = reason;
                    }
                }
                default -> json.skip();
            }
        }
    }

    private Part partType() {
        if (json.textEquals("text_delta") || json.textEquals("text")) {
            return Part.TEXT;
        } else if (json.textEquals("thinking_delta") || json.textEquals("thinking")) {
            return Part.THINKING;
        } else if (json.textEquals("input_json_delta")) {
            return Part.INPUT_JSON;
        } else if (json.textEquals("tool_use")) {
            return Part.TOOL_USE;
        }
        json.skip();
        return Part.OTHER;
    }

    /** {@code message_start}'s {@code message}, entered: only its {@code usage} matters. */
    private void message() {
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            if (json.next() == JsonToken.START_OBJECT && field.equals("usage")) {
                usage();
            } else {
                json.skip();
            }
        }
    }

    /** A {@code usage} object, entered. Counts are cumulative, so a later one never lowers an earlier. */
    private void usage() {
        long input = -1;
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            switch (field) {
                case "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens" -> {
                    long n = json.longOr(-1);
                    if (n >= 0) {
                        long sum = Math.max(0, input) + n;
                        input = sum < 0 ? Long.MAX_VALUE : sum; // absurd counts must not wrap into negative ones
                    }
                }
                case "output_tokens" -> completionTokens = Math.max(completionTokens, json.longOr(-1));
                default -> json.skip();
            }
        }
        promptTokens = Math.max(promptTokens, input);
    }

    /** An {@code error} object, entered. */
    private void error() {
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            switch (field) {
                case "type" -> errorType = json.text();
                case "message" -> errorMessage = json.text();
                default -> json.skip();
            }
        }
    }

    private void act() {
        switch (type) {
            case BLOCK_DELTA -> delta();
            case BLOCK_START -> blockStart();
            case BLOCK_STOP -> {
                ToolBuilder tool = tools.remove(index);
                if (tool != null) {
                    sink.toolCall(tool.build(index));
                }
            }
            case MESSAGE_STOP -> end();
            case ERROR -> throw failure();
            default -> {
                // message_start and message_delta only bring usage and the stop reason, read above; ping and
                // types added to the API later carry nothing to show
            }
        }
    }

    private void delta() {
        switch (part) {
            case TEXT -> text(false);
            case THINKING -> text(true);
            case INPUT_JSON -> {
                if (text != null) {
                    count(text.length());
                    tool(index).arguments.append(text);
                }
            }
            default -> {
                // signature_delta (the thinking's proof, for sending it back in a later turn) and citations
            }
        }
    }

    private void blockStart() {
        switch (part) {
            case TOOL_USE -> {
                ToolBuilder tool = tool(index);
                tool.id = blockId;
                tool.name = blockName;
                count((blockId == null ? 0 : blockId.length()) + (blockName == null ? 0 : blockName.length()));
            }
            case TEXT -> text(false);
            case THINKING -> text(true);
            default -> {
                // redacted_thinking (encrypted), server tool blocks: nothing to show
            }
        }
    }

    /** Text of a block start or delta; a block starts with empty text, which is no event. */
    private void text(boolean reasoning) {
        if (text == null || text.isEmpty()) {
            return;
        }
        if (reasoning) {
            sink.reasoning(text);
        } else {
            sink.chunk(text);
        }
    }

    private ToolBuilder tool(int blockIndex) {
        ToolBuilder tool = tools.get(blockIndex);
        if (tool == null) {
            if (tools.size() >= MAX_OPEN_TOOLS) {
                throw UpstreamException.malformed("it opened more than " + MAX_OPEN_TOOLS + " tool calls at once");
            }
            tool = new ToolBuilder();
            tools.put(blockIndex, tool);
        }
        return tool;
    }

    private void count(int chars) {
        toolChars += chars;
        if (toolChars > maxToolChars) {
            throw UpstreamException.malformed("the tool calls were longer than " + maxToolChars + " characters");
        }
    }

    private void end() {
        stop();
        for (Map.Entry<Integer, ToolBuilder> open : tools.entrySet()) {
            sink.toolCall(open.getValue().build(open.getKey())); // a block the stream never stopped
        }
        tools.clear();
        if ("refusal".equals(stopReason)) {
            throw UpstreamException.malformed("the model declined to continue the reply (stop_reason refusal)");
        }
        Usage usage = promptTokens < 0 && completionTokens < 0 ? null
                : new Usage(Math.max(0, promptTokens), Math.max(0, completionTokens));
        sink.end(finishReason(stopReason), usage);
    }

    /** Anthropic's {@code stop_reason} as ours; unknown and absent ones are a normal stop. */
    static FinishReason finishReason(String stopReason) {
        if (stopReason == null) {
            return FinishReason.STOP;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
            case "tool_use" -> FinishReason.TOOL_CALLS;
            default -> FinishReason.STOP;
        };
    }

    private UpstreamException failure() {
        stop();
        String what = errorType == null ? "an error" : Snippets.of(errorType);
        String detail = errorMessage == null ? "" : ": " + Snippets.of(errorMessage);
        ErrorCode code = "overloaded_error".equals(errorType) || "rate_limit_error".equals(errorType)
                ? ErrorCode.UPSTREAM_RATE_LIMITED : ErrorCode.UPSTREAM_ERROR;
        return new UpstreamException(code, "it reported " + what + " mid-stream" + detail);
    }

    /** One {@code tool_use} block being streamed. */
    private static final class ToolBuilder {
        String id;
        String name;
        final StringBuilder arguments = new StringBuilder();

        ToolCall build(int blockIndex) {
            String args = arguments.toString();
            return new ToolCall(id != null && !id.isEmpty() ? id : "toolu_" + blockIndex, name == null ? "" : name,
                    args.isBlank() ? "{}" : args);
        }
    }
}
