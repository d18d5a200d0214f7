package io.chatstream.backend.anthropic;

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
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicStreamDecoderTest {

    private final RecordingSink sink = new RecordingSink();
    private final AnthropicStreamDecoder decoder = new AnthropicStreamDecoder(sink);

    static Stream<Arguments> transcripts() {
        return Decoding.cases(AnthropicTranscripts.ALL);
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("transcripts")
    void everyTranscriptDecodesExactlyWhateverTheSplit(Transcripts.Transcript transcript, String name,
                                                       FakeUpstream.Splits splits) {
        Decoding.assertDecodes(AnthropicStreamDecoder::new, transcript, splits);
    }

    private void feed(String text) {
        decoder.feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String event(String type, String json) {
        return "event: " + type + "\ndata: " + json + "\n\n";
    }

    private static String text(String text) {
        return event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                + "{\"type\":\"text_delta\",\"text\":\"" + text + "\"}}");
    }

    private static String stop(String reason) {
        return event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + reason
                + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":3}}")
                + event("message_stop", "{\"type\":\"message_stop\"}");
    }

    @Test
    void severalEventsInOneReadWithCrLfComeOutInOrder() {
        feed((text("a") + event("ping", "{\"type\": \"ping\"}") + text("b") + text("c")).replace("\n", "\r\n"));
        sink.assertChunk("a");
        sink.assertChunk("b");
        sink.assertChunk("c");
        sink.assertExhausted();
    }

    @Test
    void pingsCommentsAndUnknownEventsAreSkipped() {
        feed(": keep-alive\n\n" + event("ping", "{\"type\": \"ping\"}")
                + event("content_block_citation", "{\"type\":\"content_block_citation\",\"index\":0,"
                + "\"citation\":{\"cited_text\":\"x\",\"nested\":[1,{\"a\":[]}]}}")
                + event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                + "{\"type\":\"citations_delta\",\"citation\":{\"type\":\"char_location\",\"cited_text\":\"y\"}}}")
                + event("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":"
                + "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgBEgy3va3pzix\"}}")
                + text("only this"));
        sink.assertChunk("only this");
        sink.assertExhausted();
    }

    @Test
    void fieldOrderDoesNotMatter() {
        feed("data: {\"delta\":{\"text\":\"late type\",\"type\":\"text_delta\"},\"index\":0,"
                + "\"type\":\"content_block_delta\"}\n\n");
        sink.assertChunk("late type");
    }

    @Test
    void exactlyOneEndAndNothingAfterMessageStop() {
        feed(text("x") + stop("end_turn") + text("late") + stop("end_turn"));
        decoder.finish();
        sink.assertChunk("x");
        sink.assertEnd(FinishReason.STOP, new Usage(0, 3));
        sink.assertExhausted();
    }

    @ParameterizedTest
    @CsvSource({"end_turn, STOP", "stop_sequence, STOP", "pause_turn, STOP", "max_tokens, LENGTH",
            "model_context_window_exceeded, LENGTH", "tool_use, TOOL_CALLS", "a_reason_added_later, STOP"})
    void stopReasonsMap(String stopReason, FinishReason expected) {
        feed(stop(stopReason));
        sink.assertEnd(expected, new Usage(0, 3));
    }

    @Test
    void refusalIsAnErrorAfterTheTextSent() {
        feed(text("I can"));
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed(stop("refusal")));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        assertTrue(e.getMessage().contains("refusal"), e.getMessage());
        sink.assertChunk("I can");
        sink.assertExhausted();
    }

    @Test
    void overloadedErrorEventIsRateLimited() {
        feed(text("部分"));
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed(event("error",
                "{\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}")));
        assertEquals(ErrorCode.UPSTREAM_RATE_LIMITED, e.code());
        assertEquals("it reported overloaded_error mid-stream: Overloaded", e.getMessage());
        sink.assertChunk("部分");
        feed(text("after"));
        decoder.finish();
        sink.assertExhausted();
    }

    @Test
    void rateLimitErrorEventIsRateLimited() {
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed(event("error",
                "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of request tokens "
                        + "has exceeded your per-minute rate limit\"}}")));
        assertEquals(ErrorCode.UPSTREAM_RATE_LIMITED, e.code());
    }

    @Test
    void otherErrorEventIsUpstreamError() {
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed(event("error",
                "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"}}")));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        assertEquals("it reported api_error mid-stream: Internal server error", e.getMessage());
    }

    @Test
    void bodyEndingAfterMessageDeltaButWithoutMessageStopIsAnError() {
        feed(text("x") + event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
                + "\"end_turn\"},\"usage\":{\"output_tokens\":3}}"));
        UpstreamException e = assertThrows(UpstreamException.class, decoder::finish);
        assertTrue(e.getMessage().contains("no message_stop"), e.getMessage());
        sink.assertChunk("x");
        sink.assertExhausted();
    }

    @Test
    void emptyBodyIsAnError() {
        assertThrows(UpstreamException.class, decoder::finish);
        sink.assertExhausted();
    }

    @Test
    void dataThatIsNotAJsonObjectIsAnError() {
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed("data: {\"type\":\"cont\n\n"));
        assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
        assertThrows(UpstreamException.class,
                () -> new AnthropicStreamDecoder(sink).feed(ByteBuffer.wrap("data: [1]\n\n".getBytes())));
        assertThrows(UpstreamException.class, () -> new AnthropicStreamDecoder(sink)
                .feed(ByteBuffer.wrap("data: {\"type\":\"ping\"} {}\n\n".getBytes())));
    }

    @Test
    void toolCallComesOutAtItsBlockStopBeforeTheText() {
        feed(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
                + "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"f\",\"input\":{}}}")
                + event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                + "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":1}\"}}"));
        sink.assertExhausted();
        feed(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
        sink.assertToolCall(new ToolCall("toolu_1", "f", "{\"a\":1}"));
        feed(stop("tool_use"));
        sink.assertEnd(FinishReason.TOOL_CALLS, new Usage(0, 3));
    }

    @Test
    void usageAddsCacheTokensAndLaterCumulativeCountsWin() {
        feed(event("message_start", "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":10,"
                + "\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":1000,\"output_tokens\":1}}}")
                + event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                + "\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":100,"
                + "\"cache_read_input_tokens\":1000,\"output_tokens\":42}}")
                + event("message_stop", "{\"type\":\"message_stop\"}"));
        sink.assertEnd(FinishReason.STOP, new Usage(1110, 42));
    }

    @Test
    void noUsageAtAllIsNull() {
        feed(event("message_stop", "{\"type\":\"message_stop\"}"));
        sink.assertEnd(FinishReason.STOP, null);
    }

    @Test
    void eventTooLongIsAnErrorWithBoundedMemory() {
        AnthropicStreamDecoder small = new AnthropicStreamDecoder(sink, 1024);
        byte[] block = "x".repeat(512).getBytes(StandardCharsets.US_ASCII);
        small.feed(ByteBuffer.wrap(block));
        small.feed(ByteBuffer.wrap(block));
        UpstreamException e = assertThrows(UpstreamException.class, () -> small.feed(ByteBuffer.wrap(block)));
        assertEquals("a line was longer than 1024 bytes", e.getMessage());
    }

    @Test
    void toolInputBeyondTheBoundIsAnError() {
        AnthropicStreamDecoder small = new AnthropicStreamDecoder(sink, 1024);
        String piece = event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                + "{\"type\":\"input_json_delta\",\"partial_json\":\"" + "y".repeat(400) + "\"}}");
        small.feed(ByteBuffer.wrap(piece.getBytes(StandardCharsets.UTF_8)));
        small.feed(ByteBuffer.wrap(piece.getBytes(StandardCharsets.UTF_8)));
        assertThrows(UpstreamException.class, () -> small.feed(ByteBuffer.wrap(piece.getBytes(StandardCharsets.UTF_8))));
    }
}
