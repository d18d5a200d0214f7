package io.chatstream.backend.openai;

import io.chatstream.backend.testing.Decoding;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.backend.testing.RecordingSink;
import io.chatstream.backend.testing.Transcripts;
import io.chatstream.backend.upstream.UpstreamException;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiStreamDecoderTest {

    private final RecordingSink sink = new RecordingSink();
    private final OpenAiStreamDecoder decoder = new OpenAiStreamDecoder(sink);

    static Stream<Arguments> transcripts() {
        return Decoding.cases(Transcripts.OPENAI);
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("transcripts")
    void everyTranscriptDecodesExactlyWhateverTheSplit(Transcripts.Transcript transcript, String name,
                                                       FakeUpstream.Splits splits) {
        Decoding.assertDecodes(OpenAiStreamDecoder::new, transcript, splits);
    }

    private void feed(String text) {
        decoder.feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String delta(String deltaJson, String finish) {
        return "data: {\"choices\":[{\"index\":0,\"delta\":" + deltaJson + ",\"finish_reason\":"
                + (finish == null ? "null" : "\"" + finish + "\"") + "}]}\n\n";
    }

    @Test
    void reasoningGoesFirstWhenOneChunkCarriesBoth() {
        feed(delta("{\"content\":\"Answer\",\"reasoning_content\":\"Thought\"}", null));
        sink.assertReasoning("Thought");
        sink.assertChunk("Answer");
    }

    @Test
    void reasoningContentWinsOverReasoningWhenBothCarryIt() {
        feed(delta("{\"reasoning_content\":\"once\",\"reasoning\":\"once\"}", null));
        sink.assertReasoning("once");
        sink.assertExhausted();
    }

    @Test
    void endWaitsForTheUsageChunkAfterFinishReason() {
        feed(delta("{\"content\":\"x\"}", "stop"));
        sink.assertChunk("x");
        sink.assertExhausted();
        feed("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n");
        sink.assertEnd(FinishReason.STOP, new Usage(3, 1));
    }

    @Test
    void exactlyOneEndAndNothingAfterDone() {
        feed(delta("{\"content\":\"x\"}", "stop") + "data: [DONE]\n\n" + delta("{\"content\":\"late\"}", null)
                + "data: [DONE]\n\n");
        decoder.finish();
        sink.assertChunk("x");
        sink.assertEnd(FinishReason.STOP, null);
        sink.assertExhausted();
    }

    @Test
    void bodyEndingAfterFinishReasonWithoutDoneStillEnds() {
        feed(delta("{\"content\":\"x\"}", "length"));
        decoder.finish();
        sink.assertChunk("x");
        sink.assertEnd(FinishReason.LENGTH, null);
    }

    @Test
    void bodyEndingWithoutFinishIsAnError() {
        feed(delta("{\"content\":\"x\"}", null));
        UpstreamException e = assertThrows(UpstreamException.class, decoder::finish);
        assertTrue(e.getMessage().contains("ended before the reply finished"), e.getMessage());
        sink.assertChunk("x");
        sink.assertExhausted();
    }

    @Test
    void doneWithoutFinishReasonEndsWithStop() {
        feed(delta("{\"content\":\"x\"}", null) + "data: [DONE]\n\n");
        sink.assertChunk("x");
        sink.assertEnd(FinishReason.STOP, null);
    }

    @Test
    void errorObjectMidStreamIsAnError() {
        feed(delta("{\"content\":\"x\"}", null));
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed(
                "data: {\"error\":{\"message\":\"The server had an error while processing your request.\","
                        + "\"type\":\"server_error\"}}\n\n"));
        assertTrue(e.getMessage().contains("The server had an error while processing your request."),
                e.getMessage());
    }

    @Test
    void errorEventTypeIsAnError() {
        assertThrows(UpstreamException.class, () -> feed("event: error\ndata: {\"message\":\"overloaded\"}\n\n"));
    }

    @Test
    void dataThatIsNotJsonIsAnError() {
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed("data: {\"choices\":[{\n\n"));
        assertTrue(e.getMessage().contains("not JSON"), e.getMessage());
    }

    @Test
    void toolCallsComeOutAtFinishReasonBeforeTheEnd() {
        feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":"
                + "{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"finish_reason\":null}]}\n\n");
        sink.assertExhausted();
        feed(delta("{}", "tool_calls"));
        sink.assertToolCall(new ToolCall("c", "f", "{}"));
        feed("data: [DONE]\n\n");
        sink.assertEnd(FinishReason.TOOL_CALLS, null);
    }

    @Test
    void toolCallsWithoutFinishReasonComeOutAtDone() {
        feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":"
                + "{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}\n\ndata: [DONE]\n\n");
        sink.assertToolCall(new ToolCall("c", "f", "{}"));
        sink.assertEnd(FinishReason.TOOL_CALLS, null);
    }

    @Test
    void lineTooLongIsAnErrorWithBoundedMemory() {
        OpenAiStreamDecoder small = new OpenAiStreamDecoder(sink, 1024);
        byte[] block = "x".repeat(512).getBytes(StandardCharsets.US_ASCII);
        small.feed(ByteBuffer.wrap(block));
        small.feed(ByteBuffer.wrap(block));
        UpstreamException e = assertThrows(UpstreamException.class, () -> small.feed(ByteBuffer.wrap(block)));
        assertEquals("a line was longer than 1024 bytes", e.getMessage());
    }
}
