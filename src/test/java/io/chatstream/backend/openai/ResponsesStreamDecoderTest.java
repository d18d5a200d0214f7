package io.chatstream.backend.openai;

import io.chatstream.backend.testing.Decoding;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.backend.testing.RecordingSink;
import io.chatstream.backend.testing.Transcripts;
import io.chatstream.backend.upstream.UpstreamException;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResponsesStreamDecoderTest {

    private final RecordingSink sink = new RecordingSink();
    private final ResponsesStreamDecoder decoder = new ResponsesStreamDecoder(sink);

    static Stream<Arguments> transcripts() {
        return Decoding.cases(Transcripts.RESPONSES);
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("transcripts")
    void everyTranscriptDecodesExactlyWhateverTheSplit(Transcripts.Transcript transcript, String name,
                                                       FakeUpstream.Splits splits) {
        Decoding.assertDecodes(ResponsesStreamDecoder::new, transcript, splits);
    }

    private void feed(String text) {
        decoder.feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String event(String type, String json) {
        return "event: " + type + "\ndata: {\"type\":\"" + type + "\"," + json + "}\n\n";
    }

    private static String delta(String text) {
        return event("response.output_text.delta", "\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,"
                + "\"delta\":\"" + text + "\"");
    }

    private static final String COMPLETED = event("response.completed",
            "\"response\":{\"status\":\"completed\",\"usage\":{\"input_tokens\":3,\"output_tokens\":2}}");

    @Test
    void textStreamsAsItComesAndCompletedEnds() {
        feed(delta("Hel"));
        sink.assertChunk("Hel");
        feed(delta("lo"));
        sink.assertChunk("lo");
        sink.assertExhausted();
        feed(COMPLETED);
        sink.assertEnd(FinishReason.STOP, new Usage(3, 2));
        decoder.finish();
        sink.assertExhausted();
    }

    @Test
    void theTypeInTheDataDecidesWhateverTheEventLineSays() {
        feed("event: response.created\ndata: {\"delta\":\"ignored\",\"type\":\"response.output_text.delta\"}\n\n");
        sink.assertChunk("ignored");
        feed("data: {\"delta\":\"no event line\",\"type\":\"response.output_text.delta\"}\n\n");
        sink.assertChunk("no event line");
        feed("event: response.output_text.delta\ndata: {\"delta\":\"no type field\"}\n\n");
        sink.assertChunk("no type field");
        sink.assertExhausted();
    }

    @Test
    void nothingAfterTheTerminalEvent() {
        feed(delta("x") + COMPLETED + delta("late") + COMPLETED);
        decoder.finish();
        sink.assertChunk("x");
        sink.assertEnd(FinishReason.STOP, new Usage(3, 2));
        sink.assertExhausted();
    }

    @Test
    void refusalIsTheAnswer() {
        feed(event("response.refusal.delta", "\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,"
                + "\"delta\":\"I can't help with that.\"") + COMPLETED);
        sink.assertChunk("I can't help with that.");
        sink.assertEnd(FinishReason.STOP, new Usage(3, 2));
    }

    @Test
    void reasoningTextOfOpenModelsIsReasoning() {
        feed(event("response.reasoning_text.delta", "\"item_id\":\"rs_1\",\"output_index\":0,\"content_index\":0,"
                + "\"delta\":\"think\"") + delta("answer"));
        sink.assertReasoning("think");
        sink.assertChunk("answer");
    }

    @Test
    void aThinkBlockInTheTextIsReasoning() {
        feed(delta("<think>hmm</think>\\n\\nHi") + COMPLETED);
        sink.assertReasoning("hmm");
        sink.assertChunk("Hi");
    }

    @Test
    void keepAlivesAndUnknownEventsAndDoneAreSkipped() {
        feed(": keep-alive\n\n" + event("response.content_part.added", "\"part\":{\"type\":\"output_text\"}")
                + event("response.web_search_call.searching", "\"item_id\":\"ws_1\"") + "data: [DONE]\n\n");
        sink.assertExhausted();
        feed(delta("x"));
        sink.assertChunk("x");
    }

    @Test
    void toolCallComesOutAtArgumentsDoneAndTheReplyEndsWithToolCalls() {
        feed(event("response.output_item.added", "\"output_index\":0,\"item\":{\"type\":\"function_call\","
                + "\"id\":\"fc_1\",\"call_id\":\"call_1\",\"name\":\"f\",\"arguments\":\"\"}"));
        feed(event("response.function_call_arguments.delta", "\"item_id\":\"fc_1\",\"output_index\":0,"
                + "\"delta\":\"{\\\"a\\\":\""));
        sink.assertExhausted();
        feed(event("response.function_call_arguments.delta", "\"item_id\":\"fc_1\",\"output_index\":0,"
                + "\"delta\":\"1}\""));
        feed(event("response.function_call_arguments.done", "\"item_id\":\"fc_1\",\"output_index\":0,"
                + "\"arguments\":\"{\\\"a\\\":1}\""));
        sink.assertToolCall(new ToolCall("call_1", "f", "{\"a\":1}"));
        feed(event("response.output_item.done", "\"output_index\":0,\"item\":{\"type\":\"function_call\","
                + "\"id\":\"fc_1\",\"call_id\":\"call_1\",\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}"));
        sink.assertExhausted();
        feed(COMPLETED);
        sink.assertEnd(FinishReason.TOOL_CALLS, new Usage(3, 2));
    }

    @Test
    void argumentPiecesAloneMakeTheCallWhenTheDoneEventsAreMissing() {
        feed(event("response.output_item.added", "\"output_index\":2,\"item\":{\"type\":\"function_call\","
                + "\"id\":\"fc_9\",\"call_id\":\"call_9\",\"name\":\"g\"}")
                + event("response.function_call_arguments.delta", "\"item_id\":\"fc_9\",\"delta\":\"{\\\"b\\\"\"")
                + event("response.function_call_arguments.delta", "\"item_id\":\"fc_9\",\"delta\":\":2}\""));
        sink.assertExhausted();
        feed(COMPLETED);
        sink.assertToolCall(new ToolCall("call_9", "g", "{\"b\":2}"));
        sink.assertEnd(FinishReason.TOOL_CALLS, new Usage(3, 2));
    }

    // ---- failures ----

    private UpstreamException failure(String body) {
        UpstreamException e = assertThrows(UpstreamException.class, () -> {
            feed(body);
            decoder.finish();
        });
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        return e;
    }

    @Test
    void errorEventIsAnError() {
        UpstreamException e = failure(delta("a") + "event: error\ndata: {\"type\":\"error\",\"code\":\"ERR_SOMETHING\","
                + "\"message\":\"Something went wrong\",\"param\":null,\"sequence_number\":1}\n\n" + COMPLETED);
        assertTrue(e.getMessage().contains("Something went wrong (ERR_SOMETHING)"), e.getMessage());
        sink.assertChunk("a");
        sink.assertExhausted();
    }

    @Test
    void errorEventWithAnErrorObjectIsAnError() {
        UpstreamException e = failure("event: error\ndata: {\"type\":\"error\",\"sequence_number\":2,"
                + "\"error\":{\"type\":\"server_error\",\"code\":\"unknown-error\",\"message\":\"Foobar\",\"param\":null}}\n\n");
        assertTrue(e.getMessage().contains("Foobar (unknown-error)"), e.getMessage());
    }

    @Test
    void failedResponseIsAnErrorWithItsMessage() {
        UpstreamException e = failure(event("response.failed", "\"response\":{\"id\":\"resp_1\",\"status\":\"failed\","
                + "\"error\":{\"code\":\"server_error\",\"message\":\"The model failed to generate a response.\"},"
                + "\"incomplete_details\":null,\"output\":[]}"));
        assertTrue(e.getMessage().contains("The model failed to generate a response. (server_error)"), e.getMessage());
    }

    @Test
    void failedResponseWithoutAnErrorObjectIsStillAnError() {
        UpstreamException e = failure(event("response.failed", "\"response\":{\"status\":\"failed\",\"error\":null}"));
        assertTrue(e.getMessage().contains("the response failed"), e.getMessage());
    }

    @Test
    void contentFilterIsAnError() {
        UpstreamException e = failure(delta("a") + event("response.incomplete", "\"response\":{\"status\":\"incomplete\","
                + "\"incomplete_details\":{\"reason\":\"content_filter\"}}"));
        assertTrue(e.getMessage().contains("content filter"), e.getMessage());
    }

    @Test
    void incompleteForAnUnknownReasonIsAnErrorNamingIt() {
        UpstreamException e = failure(event("response.incomplete", "\"response\":{\"status\":\"incomplete\","
                + "\"incomplete_details\":{\"reason\":\"turn_limit\"}}"));
        assertTrue(e.getMessage().contains("turn_limit"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"x\"}\n\n",
            "event: response.in_progress\ndata: {\"type\":\"response.in_progress\",\"response\":{}}\n\ndata: [DONE]\n\n",
            "event: response.completed\ndata: {\"type\":\"response.completed\",\"respo"})
    void bodyEndingWithoutATerminalEventIsAnError(String body) {
        UpstreamException e = failure(body);
        assertTrue(e.getMessage().contains("ended before the reply finished")
                || e.getMessage().contains("not JSON"), e.getMessage());
    }

    @Test
    void dataThatIsNotJsonIsAnError() {
        UpstreamException e = failure("event: response.output_text.delta\ndata: {\"delta\":\n\n");
        assertTrue(e.getMessage().contains("not JSON"), e.getMessage());
    }

    @Test
    void lineTooLongIsAnError() {
        ResponsesStreamDecoder small = new ResponsesStreamDecoder(sink, 1024);
        byte[] block = "x".repeat(600).getBytes(StandardCharsets.US_ASCII);
        small.feed(ByteBuffer.wrap(block));
        UpstreamException e = assertThrows(UpstreamException.class, () -> small.feed(ByteBuffer.wrap(block)));
        assertEquals("a line was longer than 1024 bytes", e.getMessage());
    }
}
