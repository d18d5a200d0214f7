package io.chatstream.backend.gemini;

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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeminiStreamDecoderTest {

    private final RecordingSink sink = new RecordingSink();
    private final GeminiStreamDecoder decoder = new GeminiStreamDecoder(sink);

    static Stream<Arguments> transcripts() {
        return Decoding.cases(GeminiTranscripts.ALL);
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("transcripts")
    void everyTranscriptDecodesExactlyWhateverTheSplit(Transcripts.Transcript transcript, String name,
                                                       FakeUpstream.Splits splits) {
        Decoding.assertDecodes(GeminiStreamDecoder::new, transcript, splits);
    }

    private void feed(String text) {
        decoder.feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String parts(String partsJson, String finishReason) {
        return "data: {\"candidates\": [{\"content\": {\"parts\": [" + partsJson + "],\"role\": \"model\"},"
                + (finishReason == null ? "" : "\"finishReason\": \"" + finishReason + "\",")
                + "\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 3,\"candidatesTokenCount\": 2,"
                + "\"totalTokenCount\": 5},\"modelVersion\": \"gemini-2.0-flash\"}\r\n\r\n";
    }

    private static String text(String text) {
        return parts("{\"text\": \"" + text + "\"}", null);
    }

    @Test
    void severalEventsInOneReadComeOutInOrderAndKeepAlivesAreSkipped() {
        feed(": keep-alive\r\n\r\n" + text("a") + ":\r\n\r\n" + text("b") + text("c"));
        sink.assertChunk("a");
        sink.assertChunk("b");
        sink.assertChunk("c");
        sink.assertExhausted();
    }

    @Test
    void theEndIsTheEventWithFinishReasonAndNothingFollows() {
        feed(text("x") + parts("{\"text\": \"y\"}", "STOP") + text("late"));
        decoder.finish();
        sink.assertChunk("x");
        sink.assertChunk("y");
        sink.assertEnd(FinishReason.STOP, new Usage(3, 2));
        sink.assertExhausted();
    }

    @Test
    void bodyEndingWithoutFinishReasonIsAnError() {
        feed(text("half an ans"));
        UpstreamException e = assertThrows(UpstreamException.class, decoder::finish);
        assertTrue(e.getMessage().contains("no finishReason"), e.getMessage());
        sink.assertChunk("half an ans");
        sink.assertExhausted();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "LANGUAGE"})
    void blockingFinishReasonsAreAnErrorSayingTheProviderBlockedTheReply(String reason) {
        feed(text("Once upon"));
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed(parts("{\"text\": \"\"}", reason)));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        assertEquals("the provider blocked the reply (finishReason " + reason + ")", e.getMessage());
        sink.assertChunk("Once upon");
        sink.assertExhausted();
    }

    @ParameterizedTest
    @ValueSource(strings = {"OTHER", "MALFORMED_FUNCTION_CALL", "FINISH_REASON_UNSPECIFIED", "A_REASON_ADDED_LATER"})
    void otherFinishReasonsAreAnError(String reason) {
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed(parts("{\"text\": \"\"}", reason)));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        assertTrue(e.getMessage().contains("finishReason " + reason), e.getMessage());
    }

    @Test
    void blockedPromptIsAnError() {
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed("data: {\"promptFeedback\": "
                + "{\"blockReason\": \"SAFETY\",\"safetyRatings\": [{\"category\": \"HARM_CATEGORY_DANGEROUS_CONTENT\","
                + "\"probability\": \"HIGH\"}]},\"usageMetadata\": {\"promptTokenCount\": 7,\"totalTokenCount\": 7},"
                + "\"modelVersion\": \"gemini-2.0-flash\"}\r\n\r\n"));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        assertEquals("the provider blocked the prompt (blockReason SAFETY)", e.getMessage());
        sink.assertExhausted();
    }

    @Test
    void errorObjectInStreamIsUpstreamError() {
        feed(text("a"));
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed("data: {\"error\": {\"code\": 500,"
                + "\"message\": \"An internal error has occurred.\",\"status\": \"INTERNAL\"}}\r\n\r\n"));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        assertEquals("it reported an error mid-stream (500 INTERNAL): An internal error has occurred.",
                e.getMessage());
        sink.assertChunk("a");
        sink.assertExhausted();
    }

    @Test
    void resourceExhaustedInStreamIsRateLimited() {
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed("data: {\"error\": {\"code\": 429,"
                + "\"message\": \"Resource has been exhausted (e.g. check quota).\",\"status\": \"RESOURCE_EXHAUSTED\"}}"
                + "\r\n\r\n"));
        assertEquals(ErrorCode.UPSTREAM_RATE_LIMITED, e.code());
    }

    @Test
    void permissionDeniedInStreamIsAuth() {
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed("data: {\"error\": {\"code\": 403,"
                + "\"message\": \"Permission denied\",\"status\": \"PERMISSION_DENIED\"}}\n\n"));
        assertEquals(ErrorCode.UPSTREAM_AUTH, e.code());
    }

    @Test
    void functionCallWithoutIdGetsAUniqueOne() {
        String call = "{\"functionCall\": {\"name\": \"get_time\",\"args\": {}}}";
        feed(parts(call + "," + call, "STOP"));
        ToolCall first = sink.next().toolCall();
        ToolCall second = sink.next().toolCall();
        assertTrue(first.id().matches("call_[0-9a-f]{32}"), first.id());
        assertNotEquals(first.id(), second.id());
        assertEquals("get_time", first.name());
        assertEquals("{}", first.arguments());
        sink.assertEnd(FinishReason.TOOL_CALLS, new Usage(3, 2));
    }

    @Test
    void onlyTheFirstCandidateIsTheReply() {
        feed("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"one\"}]},\"index\": 0},"
                + "{\"content\": {\"parts\": [{\"text\": \"two\"}]},\"finishReason\": \"SAFETY\",\"index\": 1}]}\n\n");
        sink.assertChunk("one");
        sink.assertExhausted();
    }

    @Test
    void partsWithoutTextAreSkipped() {
        feed(parts("{\"inlineData\": {\"mimeType\": \"image/png\",\"data\": \"iVBORw0KGgo=\"}},"
                + "{\"thoughtSignature\": \"CiQB0e2K\"},{\"codeExecutionResult\": {\"outcome\": \"OUTCOME_OK\"}},"
                + "{\"text\": \"shown\"}", null));
        sink.assertChunk("shown");
        sink.assertExhausted();
    }

    @Test
    void usageWithoutCountsIsNullAndThoughtsCountAsCompletion() {
        feed("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"a\"}]},\"finishReason\": \"STOP\"}]}\n\n");
        sink.assertChunk("a");
        sink.assertEnd(FinishReason.STOP, null);
        GeminiStreamDecoder other = new GeminiStreamDecoder(sink);
        other.feed(ByteBuffer.wrap(("data: {\"candidates\": [{\"finishReason\": \"STOP\"}],\"usageMetadata\": "
                + "{\"promptTokenCount\": 4,\"candidatesTokenCount\": 10,\"thoughtsTokenCount\": 90}}\n\n")
                .getBytes(StandardCharsets.UTF_8)));
        sink.assertEnd(FinishReason.STOP, new Usage(4, 100));
    }

    @Test
    void dataThatIsNotAJsonObjectIsAnError() {
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed("data: [{\"candidates\": []}]\n\n"));
        assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
    }

    @Test
    void eventTooLongIsAnErrorWithBoundedMemory() {
        GeminiStreamDecoder small = new GeminiStreamDecoder(sink, 1024);
        byte[] block = ("data: " + "x".repeat(506)).getBytes(StandardCharsets.US_ASCII);
        small.feed(ByteBuffer.wrap(block));
        small.feed(ByteBuffer.wrap("\ndata: ".getBytes(StandardCharsets.US_ASCII)));
        small.feed(ByteBuffer.wrap("y".repeat(600).getBytes(StandardCharsets.US_ASCII)));
        UpstreamException e = assertThrows(UpstreamException.class,
                () -> small.feed(ByteBuffer.wrap("\n".getBytes(StandardCharsets.US_ASCII))));
        assertEquals("an event was longer than 1024 bytes", e.getMessage());
    }
}
