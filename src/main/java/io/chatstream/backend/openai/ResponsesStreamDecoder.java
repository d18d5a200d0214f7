package io.chatstream.backend.openai;

import com.fasterxml.jackson.core.JsonToken;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.upstream.EventStreamDecoder;
import io.chatstream.backend.upstream.LineSplitter;
import io.chatstream.backend.upstream.Snippets;
import io.chatstream.backend.upstream.ThinkSplitter;
import io.chatstream.backend.upstream.UpstreamException;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decodes a streamed OpenAI Responses API response ({@code POST /responses} with {@code "stream": true}) into sink
 * calls. The body is an event stream of typed events, each named twice, by its {@code event:} line and by the
 * {@code type} of its data, and numbered by {@code sequence_number}; there is no {@code [DONE]}. As OpenAI sends it
 * (ids shortened, the {@code response} objects cut to the fields read here):
 * <pre>
 * event: response.created
 * data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_67c9","object":"response","status":"in_progress","output":[],"usage":null}}
 *
 * event: response.reasoning_summary_text.delta
 * data: {"type":"response.reasoning_summary_text.delta","item_id":"rs_67c9","output_index":0,"summary_index":0,"delta":"**Answering a greeting**","sequence_number":3}
 *
 * event: response.output_text.delta
 * data: {"type":"response.output_text.delta","item_id":"msg_67c9","output_index":1,"content_index":0,"delta":"Hi","logprobs":[],"sequence_number":8}
 *
 * event: response.output_item.added
 * data: {"type":"response.output_item.added","output_index":2,"item":{"type":"function_call","id":"fc_1234xyz","call_id":"call_1234xyz","name":"get_weather","arguments":""},"sequence_number":12}
 *
 * event: response.function_call_arguments.delta
 * data: {"type":"response.function_call_arguments.delta","item_id":"fc_1234xyz","output_index":2,"delta":"{\"location\":","sequence_number":13}
 *
 * event: response.function_call_arguments.done
 * data: {"type":"response.function_call_arguments.done","item_id":"fc_1234xyz","output_index":2,"arguments":"{\"location\":\"Paris, France\"}","sequence_number":15}
 *
 * event: response.completed
 * data: {"type":"response.completed","sequence_number":17,"response":{"id":"resp_67c9","status":"completed","output":[...],"usage":{"input_tokens":36,"input_tokens_details":{"cached_tokens":0},"output_tokens":87,"output_tokens_details":{"reasoning_tokens":64},"total_tokens":123}}}
 * </pre>
 *
 * <p>Mapping: {@code response.output_text.delta} (and {@code response.refusal.delta}, a refusal being the model's
 * answer) -&gt; {@code chunk}, a leading {@code <think>} block -&gt; {@code reasoning} as in the other dialects
 * ({@link ThinkSplitter}; servers of open models send one); {@code response.reasoning_summary_text.delta} and
 * {@code response.reasoning_text.delta} -&gt; {@code reasoning}, with a blank line between two summary parts or
 * reasoning items, which the API streams one after the other without one; a {@code function_call} item
 * ({@code response.output_item.added}: {@code call_id}, {@code name}) with its
 * {@code response.function_call_arguments.delta} pieces -&gt; one {@code toolCall} at its
 * {@code response.function_call_arguments.done} (whose {@code arguments} are the whole text) or its
 * {@code response.output_item.done}; {@code response.completed} -&gt; the one {@code end}, {@code stop}, or
 * {@code tool_calls} when functions were called, with {@code usage.input_tokens} / {@code output_tokens};
 * {@code response.incomplete} with {@code incomplete_details.reason} {@code max_output_tokens} -&gt; {@code end}
 * {@code length}. Other events ({@code response.created}, {@code response.content_part.added}, keep-alive comments...)
 * are skipped, as is a {@code [DONE]} some compatible servers add.
 *
 * <p>Failures, thrown as {@link UpstreamException}: an {@code error} event ({@code {"type":"error","code":...,
 * "message":...}}, or with the two inside an {@code error} object); {@code response.failed} (its
 * {@code response.error}); {@code response.incomplete} for any other reason, {@code content_filter} included; data
 * that is not JSON; a body that ends without {@code response.completed} or {@code response.incomplete}.
 */
final class ResponsesStreamDecoder extends EventStreamDecoder {

    /** The most function calls one reply may open: each costs memory even when it brings no text. */
    static final int MAX_CALLS = 1024;

    /** The kind of an event whose name is not known yet: every field is decoded. */
    private static final int UNKNOWN = -1;
    private static final int OTHER = 0;
    private static final int TEXT_DELTA = 1;
    private static final int REFUSAL_DELTA = 2;
    private static final int SUMMARY_DELTA = 3;
    private static final int REASONING_DELTA = 4;
    private static final int ITEM_ADDED = 5;
    private static final int ITEM_DONE = 6;
    private static final int ARGUMENTS_DELTA = 7;
    private static final int ARGUMENTS_DONE = 8;
    private static final int COMPLETED = 9;
    private static final int INCOMPLETE = 10;
    private static final int FAILED = 11;
    private static final int ERROR = 12;
    /** The event names, indexed by the codes above. */
    private static final String[] TYPES = {null, "response.output_text.delta", "response.refusal.delta",
            "response.reasoning_summary_text.delta", "response.reasoning_text.delta", "response.output_item.added",
            "response.output_item.done", "response.function_call_arguments.delta",
            "response.function_call_arguments.done", "response.completed", "response.incomplete", "response.failed",
            "error"};
    private static final int DELTAS = bit(TEXT_DELTA) | bit(REFUSAL_DELTA) | bit(SUMMARY_DELTA)
            | bit(REASONING_DELTA) | bit(ARGUMENTS_DELTA);
    private static final int ARGUMENTS = bit(ARGUMENTS_DELTA) | bit(ARGUMENTS_DONE);
    private static final int ITEMS = bit(ITEM_ADDED) | bit(ITEM_DONE);
    private static final int ENDS = bit(COMPLETED) | bit(INCOMPLETE) | bit(FAILED);

    private final ThinkSplitter content;
    private final int maxCallChars;
    /** Function calls by output index, emitted or not (an emitted one may be named again by its item's done). */
    private final TreeMap<Integer, Call> calls = new TreeMap<>();
    private final Map<String, Call> callsByItem = new HashMap<>();
    private int callChars;
    private boolean reasoningSeen;
    private int reasoningItem = -1;
    private int reasoningPart = -1;

    // what the current event carries; only what its kind needs is decoded
    private int kind;
    private String delta;
    private String itemId;
    private int outputIndex;
    private boolean hasOutputIndex;
    private int partIndex;
    private String arguments;
    private String name;
    private String message;
    private String code;
    private Item item;
    private Usage usage;
    private String incompleteReason;

    ResponsesStreamDecoder(ChatSink sink) {
        this(sink, LineSplitter.DEFAULT_MAX_LINE_BYTES);
    }

    ResponsesStreamDecoder(ChatSink sink, int maxLineBytes) {
        super(sink, maxLineBytes, "no response.completed or response.incomplete");
        this.content = new ThinkSplitter(sink);
        this.maxCallChars = maxLineBytes;
    }

    @Override
    protected void onEvent(String type, byte[] data, int length) {
        if (isDone(data, length)) {
            return;
        }
        clear();
        JsonToken first = json.begin(data, 0, length);
        if (first == null) {
            return;
        }
        if (first != JsonToken.START_OBJECT) {
            json.skip();
            json.end();
            return;
        }
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            field(field);
        }
        json.end();
        if (kind == UNKNOWN) {
            kind = kindOf(type); // data without a type: the event's name says what it is
        }
        apply();
    }

    /**
     * Forgets the previous event. Its kind is unknown until the {@code type} in its data is read, which OpenAI puts
     * first: fields before it are all decoded, fields after it only when the kind needs them.
     */
    private void clear() {
        kind = UNKNOWN;
        delta = null;
        itemId = null;
        outputIndex = 0;
        hasOutputIndex = false;
        partIndex = 0;
        arguments = null;
        name = null;
        message = null;
        code = null;
        item = null;
        usage = null;
        incompleteReason = null;
    }

    private static int kindOf(String type) {
        if (type == null) {
            return UNKNOWN;
        }
        for (int k = 1; k < TYPES.length; k++) {
            if (TYPES[k].equals(type)) {
                return k;
            }
        }
        return OTHER;
    }

    private static int bit(int kind) {
        return 1 << kind;
    }

    private void field(String field) {
        switch (field) {
            case "type" -> kind = typeKind();
            case "delta" -> delta = wanted(DELTAS) ? json.text() : skipped();
            case "item_id" -> itemId = wanted(ARGUMENTS) ? json.text() : skipped();
            case "output_index" -> {
                hasOutputIndex = json.token() == JsonToken.VALUE_NUMBER_INT;
                outputIndex = json.asInt();
            }
            case "summary_index", "content_index" -> partIndex = json.asInt();
            case "arguments" -> arguments = wanted(bit(ARGUMENTS_DONE)) ? json.text() : skipped();
            case "name" -> name = wanted(bit(ARGUMENTS_DONE)) ? json.text() : skipped();
            case "item" -> item = wanted(ITEMS) ? item() : skippedItem();
            case "response" -> {
                if (wanted(ENDS) && json.token() == JsonToken.START_OBJECT) {
                    response();
                } else {
                    json.skip();
                }
            }
            case "message" -> message = wanted(bit(ERROR)) ? json.text() : skipped();
            case "code" -> code = wanted(bit(ERROR)) ? json.text() : skipped();
            case "error" -> {
                if (wanted(bit(ERROR))) {
                    error();
                } else {
                    json.skip();
                }
            }
            default -> json.skip();
        }
    }

    /** The kind named by the current {@code type} value, compared in place. */
    private int typeKind() {
        for (int k = 1; k < TYPES.length; k++) {
            if (json.textEquals(TYPES[k])) {
                return k;
            }
        }
        json.skip();
        return OTHER;
    }

    /** True while the event's kind is unknown or one of the {@code kinds} bits: a field is decoded only then. */
    private boolean wanted(int kinds) {
        return kind == UNKNOWN || (kinds & bit(kind)) != 0;
    }

    private String skipped() {
        json.skip();
        return null;
    }

    private Item skippedItem() {
        json.skip();
        return null;
    }

    /** An output item; only function calls matter. */
    private Item item() {
        if (json.token() != JsonToken.START_OBJECT) {
            json.skip();
            return null;
        }
        Item it = new Item();
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            switch (field) {
                case "type" -> it.functionCall = json.textEquals("function_call");
                case "id" -> it.id = json.text();
                case "call_id" -> it.callId = json.text();
                case "name" -> it.name = json.text();
                case "arguments" -> it.arguments = json.text();
                default -> json.skip();
            }
        }
        return it.functionCall ? it : null;
    }

    /** The {@code response} of a terminal event: its usage, why it is incomplete, its error. */
    private void response() {
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            JsonToken value = json.next();
            switch (field) {
                case "usage" -> {
                    if (json.objectOrSkip()) {
                        usage();
                    }
                }
                case "incomplete_details" -> {
                    if (value == JsonToken.START_OBJECT) {
                        while (json.next() == JsonToken.FIELD_NAME) {
                            String f = json.name();
                            json.next();
                            if (f.equals("reason")) {
                                incompleteReason = json.text();
                            } else {
                                json.skip();
                            }
                        }
                    } else {
                        json.skip();
                    }
                }
                case "error" -> error();
                default -> json.skip();
            }
        }
    }

    private void usage() {
        long input = 0;
        long output = 0;
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            switch (field) {
                case "input_tokens" -> input = json.asLong();
                case "output_tokens" -> output = json.asLong();
                default -> json.skip();
            }
        }
        usage = new Usage(Math.max(0, input), Math.max(0, output));
    }

    /** An error object ({@code code}, {@code message}) or string. */
    private void error() {
        JsonToken t = json.token();
        if (t == JsonToken.VALUE_STRING) {
            message = json.text();
            return;
        }
        if (t != JsonToken.START_OBJECT) {
            json.skip();
            return;
        }
        while (json.next() == JsonToken.FIELD_NAME) {
            String field = json.name();
            json.next();
            switch (field) {
                case "message" -> message = json.text();
                case "code" -> code = json.text();
                default -> json.skip();
            }
        }
    }

    private void apply() {
        switch (kind) {
            case TEXT_DELTA, REFUSAL_DELTA -> content.accept(delta);
            case SUMMARY_DELTA, REASONING_DELTA -> reasoning();
            case ITEM_ADDED -> {
                if (item != null) {
                    Call call = call(item.id);
                    call.merge(item);
                    count(call.name == null ? 0 : call.name.length());
                }
            }
            case ARGUMENTS_DELTA -> {
                if (delta != null) {
                    Call call = call(itemId);
                    count(delta.length());
                    call.arguments.append(delta);
                }
            }
            case ARGUMENTS_DONE -> {
                Call call = call(itemId);
                if (call.name == null && name != null && !name.isEmpty()) {
                    call.name = name;
                }
                call.replaceArguments(arguments);
                emit(call);
            }
            case ITEM_DONE -> {
                if (item != null) {
                    Call call = call(item.id);
                    call.merge(item);
                    call.replaceArguments(item.arguments);
                    emit(call);
                }
            }
            case COMPLETED -> end(calls.isEmpty() ? FinishReason.STOP : FinishReason.TOOL_CALLS);
            case INCOMPLETE -> {
                if ("max_output_tokens".equals(incompleteReason) || "max_tokens".equals(incompleteReason)) {
                    end(FinishReason.LENGTH);
                } else if ("content_filter".equals(incompleteReason)) {
                    fail("its content filter stopped the reply (response.incomplete: content_filter)");
                } else {
                    fail("the reply ended incomplete (response.incomplete"
                            + (incompleteReason == null ? "" : ": " + Snippets.of(incompleteReason)) + ")");
                }
            }
            case FAILED -> fail("it reported an error mid-stream: " + describeError("the response failed"));
            case ERROR -> fail("it reported an error mid-stream: " + describeError("an error event"));
            default -> {
                // lifecycle and part events carry nothing a client sees
            }
        }
    }

    /** A blank line between two summary parts or reasoning items, which the API streams without one. */
    private void reasoning() {
        if (delta == null || delta.isEmpty()) {
            return;
        }
        if (reasoningSeen && (outputIndex != reasoningItem || partIndex != reasoningPart)) {
            sink.reasoning("\n\n");
        }
        reasoningSeen = true;
        reasoningItem = outputIndex;
        reasoningPart = partIndex;
        sink.reasoning(delta);
    }

    private String describeError(String fallback) {
        String text = message != null && !message.isBlank() ? message : fallback;
        return Snippets.of(code != null && !code.isBlank() ? text + " (" + code + ")" : text);
    }

    /** The call of the current event: by output index, else by item id; a new one when none matches. */
    private Call call(String id) {
        Call call = hasOutputIndex ? calls.get(outputIndex) : null;
        if (call == null && id != null) {
            call = callsByItem.get(id);
        }
        if (call == null) {
            int key = hasOutputIndex ? outputIndex : calls.isEmpty() ? 0 : calls.lastKey() + 1;
            if (calls.size() >= MAX_CALLS) {
                throw UpstreamException.malformed("it opened more than " + MAX_CALLS + " function calls");
            }
            call = new Call(key);
            calls.put(key, call);
        }
        if (id != null && !id.isEmpty() && call.itemId == null) {
            call.itemId = id;
            callsByItem.put(id, call);
        }
        return call;
    }

    private void count(int n) {
        callChars += n;
        if (callChars > maxCallChars) {
            throw UpstreamException.malformed("the function calls were longer than " + maxCallChars + " characters");
        }
    }

    private void emit(Call call) {
        if (call.emitted) {
            return;
        }
        content.flush();
        call.emitted = true;
        sink.toolCall(call.toToolCall());
    }

    private void end(FinishReason reason) {
        content.flush();
        for (Call call : calls.values()) {
            emit(call); // a call whose done events never came: its pieces are all there is
        }
        Usage u = usage;
        stop();
        sink.end(reason, u);
    }

    private void fail(String detail) {
        stop();
        throw UpstreamException.malformed(detail);
    }

    private static boolean isDone(byte[] data, int length) {
        int from = 0;
        int to = length;
        while (from < to && data[from] <= ' ') {
            from++;
        }
        while (to > from && data[to - 1] <= ' ') {
            to--;
        }
        return to - from == 6 && new String(data, from, 6, StandardCharsets.US_ASCII).equals("[DONE]");
    }

    /** A {@code function_call} output item as an event carries it. */
    private static final class Item {
        boolean functionCall;
        String id;
        String callId;
        String name;
        String arguments;
    }

    /** A function call being streamed. */
    private static final class Call {
        final int key;
        final StringBuilder arguments = new StringBuilder();
        String itemId;
        String callId;
        String name;
        boolean emitted;

        Call(int key) {
            this.key = key;
        }

        void merge(Item item) {
            if (callId == null && item.callId != null && !item.callId.isEmpty()) {
                callId = item.callId;
            }
            if (name == null && item.name != null && !item.name.isEmpty()) {
                name = item.name;
            }
            if (arguments.length() == 0 && item.arguments != null) {
                arguments.append(item.arguments);
            }
        }

        /** The whole arguments, as a {@code done} event states them, win over the pieces. */
        void replaceArguments(String whole) {
            if (whole != null) {
                arguments.setLength(0);
                arguments.append(whole);
            }
        }

        ToolCall toToolCall() {
            String id = callId != null ? callId : itemId != null ? itemId : "call_" + key;
            String args = arguments.toString();
            return new ToolCall(id, name != null ? name : "", args.isBlank() ? "{}" : args);
        }
    }
}
