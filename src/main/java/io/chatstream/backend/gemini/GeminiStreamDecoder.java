package io.chatstream.backend.gemini;

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

import java.util.UUID;

/**
 * Decodes a Gemini {@code streamGenerateContent?alt=sse} response into sink calls. Every event is a whole
 * {@code GenerateContentResponse}; there is no {@code [DONE]}: the reply ends with the event whose candidate carries
 * a {@code finishReason}. A body as the API documents it (lines end in CRLF on the wire):
 * <pre>
 * data: {"candidates": [{"content": {"parts": [{"text": "**Thinking about lighthouses**\n\n","thought": true}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 60,"thoughtsTokenCount": 52},"modelVersion": "gemini-2.5-flash","responseId": "mAitaM_sIZmB1PIP4-LN4As"}
 *
 * data: {"candidates": [{"content": {"parts": [{"text": "The old lighthouse keeper"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 4,"totalTokenCount": 64,"thoughtsTokenCount": 52},"modelVersion": "gemini-2.5-flash","responseId": "mAitaM_sIZmB1PIP4-LN4As"}
 *
 * data: {"candidates": [{"content": {"parts": [{"text": " lit the lamp."}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 9,"totalTokenCount": 69,"thoughtsTokenCount": 52},"modelVersion": "gemini-2.5-flash","responseId": "mAitaM_sIZmB1PIP4-LN4As"}
 * </pre>
 *
 * <p>Mapping, for the first candidate: a part's {@code text} -&gt; {@code chunk}, or {@code reasoning} when the part
 * has {@code "thought": true}; a {@code functionCall} part ({@code name}, {@code args}, and {@code id} when Gemini
 * gives one, else a generated {@code call_...} unique to the call) -&gt; one {@code toolCall}, its {@code args} as
 * compact JSON text; parts of other kinds (a {@code thoughtSignature} alone, inline data, code execution) are
 * skipped. {@code usageMetadata}, repeated cumulatively on every event, gives the {@code end}'s usage:
 * {@code promptTokenCount}, and {@code candidatesTokenCount} plus {@code thoughtsTokenCount} as completion tokens
 * (thinking is generated and billed as output, as OpenAI's completion tokens include reasoning). {@code finishReason}
 * {@code STOP} -&gt; {@code stop} ({@code tool_calls} when the reply called a function), {@code MAX_TOKENS} -&gt;
 * {@code length}.
 *
 * <p>Failures, thrown as {@link UpstreamException}: any other {@code finishReason} ({@code SAFETY},
 * {@code RECITATION}, {@code BLOCKLIST}, {@code PROHIBITED_CONTENT}, {@code SPII}, {@code OTHER},
 * {@code MALFORMED_FUNCTION_CALL}...) and a {@code promptFeedback.blockReason}: the provider blocked or broke off the
 * reply, {@code upstream_error}; an {@code {"error":{"code","message","status"}}} object ({@code 429} /
 * {@code RESOURCE_EXHAUSTED} as {@code upstream_rate_limited}, {@code 401}, {@code 403} / {@code UNAUTHENTICATED},
 * {@code PERMISSION_DENIED} as {@code upstream_auth}, the rest {@code upstream_error}); data that is not a JSON
 * object; a body that ends without a {@code finishReason}.
 *
 * <p>Cost: this runs once per token of every reply, so events are read as bytes ({@link SseByteReader}) and their
 * JSON token by token with one reused parser ({@link StreamJson}): no string per line, no tree per event.
 */
final class GeminiStreamDecoder extends EventStreamDecoder {

    private long promptTokens = -1;
    private long candidateTokens = -1;
    private long thoughtTokens = -1;
    private boolean toolCalls;

    // What the current event carries; reset before each.
    private String finishReason;
    private String blockReason;
    private boolean error;
    private long errorCode;
    private String errorMessage;
    private String errorStatus;

    GeminiStreamDecoder(ChatSink sink) {
        this(sink, LineSplitter.DEFAULT_MAX_LINE_BYTES);
    }

    /** @param maxBytes the bound of one event */
    GeminiStreamDecoder(ChatSink sink, int maxBytes) {
        super(sink, maxBytes, "no finishReason");
    }

    @Override
    protected void onEvent(String eventName, byte[] data, int length) {
        finishReason = null;
        blockReason = null;
        error = false;
        errorCode = -1;
        errorMessage = null;
        errorStatus = null;
        json.beginObject(data, 0, length);
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            JsonToken value = json.next();
            if (value == JsonToken.START_ARRAY && field.equals("candidates")) {
                candidates();
            } else if (value == JsonToken.START_OBJECT && field.equals("usageMetadata")) {
                usage();
            } else if (value == JsonToken.START_OBJECT && field.equals("promptFeedback")) {
                promptFeedback();
            } else if (value == JsonToken.START_OBJECT && field.equals("error")) {
                error();
            } else {
                json.skip();
            }
        }
        json.end();
        if (error) {
            throw failure();
        }
        if (blockReason != null) {
            stop();
            throw UpstreamException.malformed("the provider blocked the prompt (blockReason "
                    + Snippets.of(blockReason) + ")");
        }
        if (finishReason != null) {
            end();
        }
    }

    /** The {@code candidates} array, entered: the first one is the reply, any others are skipped. */
    private void candidates() {
        boolean first = true;
        while (json.next() != JsonToken.END_ARRAY) {
            if (first && json.token() == JsonToken.START_OBJECT) {
                candidate();
            } else {
                json.skip();
            }
            first = false;
        }
    }

    private void candidate() {
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            JsonToken value = json.next();
            if (value == JsonToken.START_OBJECT && field.equals("content")) {
                content();
            } else if (field.equals("finishReason")) {
                finishReason = json.text();
            } else {
                json.skip();
            }
        }
    }

    private void content() {
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            if (json.next() == JsonToken.START_ARRAY && field.equals("parts")) {
                while (json.next() != JsonToken.END_ARRAY) {
                    if (json.objectOrSkip()) {
                        part();
                    }
                }
            } else {
                json.skip();
            }
        }
    }

    /** One part, entered; reported once whole, since {@code thought} may follow {@code text}. */
    private void part() {
        String text = null;
        boolean thought = false;
        ToolCall call = null;
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            JsonToken value = json.next();
            switch (field) {
                case "text" -> text = json.text();
                case "thought" -> {
                    thought = value == JsonToken.VALUE_TRUE;
                    json.skip();
                }
                case "functionCall" -> {
                    if (json.objectOrSkip()) {
                        call = functionCall();
                    }
                }
                default -> json.skip();
            }
        }
        if (text != null && !text.isEmpty()) {
            if (thought) {
                sink.reasoning(text);
            } else {
                sink.chunk(text);
            }
        }
        if (call != null) {
            toolCalls = true;
            sink.toolCall(call);
        }
    }

    private ToolCall functionCall() {
        String id = null;
        String name = null;
        String args = null;
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            switch (field) {
                case "id" -> id = json.text();
                case "name" -> name = json.text();
                case "args" -> args = json.valueAsJson();
                default -> json.skip();
            }
        }
        return new ToolCall(id != null && !id.isEmpty() ? id : newCallId(), name == null ? "" : name,
                args == null || args.equals("null") ? "{}" : args);
    }

    /** {@code a + b}, counting unknown (negative) as 0 and stopping at {@link Long#MAX_VALUE} rather than wrapping. */
    private static long saturatedSum(long a, long b) {
        long sum = Math.max(0, a) + Math.max(0, b);
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /** An id for a call Gemini gave none: unique, so a client can match its result to it. */
    private static String newCallId() {
        return "call_" + UUID.randomUUID().toString().replace("-", "");
    }

    private void usage() {
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            switch (field) {
                case "promptTokenCount" -> promptTokens = Math.max(promptTokens, json.longOr(-1));
                case "candidatesTokenCount" -> candidateTokens = Math.max(candidateTokens, json.longOr(-1));
                case "thoughtsTokenCount" -> thoughtTokens = Math.max(thoughtTokens, json.longOr(-1));
                default -> json.skip();
            }
        }
    }

    private void promptFeedback() {
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            if (field.equals("blockReason")) {
                blockReason = json.text();
            } else {
                json.skip();
            }
        }
    }

    private void error() {
        error = true;
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            switch (field) {
                case "code" -> errorCode = json.longOr(-1);
                case "message" -> errorMessage = json.text();
                case "status" -> errorStatus = json.text();
                default -> json.skip();
            }
        }
    }

    private UpstreamException failure() {
        stop();
        ErrorCode code;
        if (errorCode == 429 || "RESOURCE_EXHAUSTED".equals(errorStatus)) {
            code = ErrorCode.UPSTREAM_RATE_LIMITED;
        } else if (errorCode == 401 || errorCode == 403 || "UNAUTHENTICATED".equals(errorStatus)
                || "PERMISSION_DENIED".equals(errorStatus)) {
            code = ErrorCode.UPSTREAM_AUTH;
        } else {
            code = ErrorCode.UPSTREAM_ERROR;
        }
        StringBuilder what = new StringBuilder("it reported an error mid-stream");
        if (errorCode >= 0 || errorStatus != null) {
            what.append(" (").append(errorCode >= 0 ? String.valueOf(errorCode) : "")
                    .append(errorCode >= 0 && errorStatus != null ? " " : "")
                    .append(errorStatus != null ? Snippets.of(errorStatus) : "").append(')');
        }
        if (errorMessage != null) {
            what.append(": ").append(Snippets.of(errorMessage));
        }
        return new UpstreamException(code, what.toString());
    }

    private void end() {
        stop();
        FinishReason reason;
        switch (finishReason) {
            case "STOP" -> reason = toolCalls ? FinishReason.TOOL_CALLS : FinishReason.STOP;
            case "MAX_TOKENS" -> reason = FinishReason.LENGTH;
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE" ->
                    throw UpstreamException.malformed("the provider blocked the reply (finishReason "
                            + finishReason + ")");
            default -> throw UpstreamException.malformed("the provider broke off the reply (finishReason "
                    + Snippets.of(finishReason) + ")");
        }
        Usage usage = promptTokens < 0 && candidateTokens < 0 && thoughtTokens < 0 ? null
                : new Usage(Math.max(0, promptTokens), saturatedSum(candidateTokens, thoughtTokens));
        sink.end(reason, usage);
    }
}
