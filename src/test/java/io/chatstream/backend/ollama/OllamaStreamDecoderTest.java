package io.chatstream.backend.ollama;

import io.chatstream.backend.testing.Decoding;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.backend.testing.RecordingSink;
import io.chatstream.backend.testing.Transcripts;
import io.chatstream.backend.upstream.UpstreamException;
import io.chatstream.event.FinishReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OllamaStreamDecoderTest {

    private final RecordingSink sink = new RecordingSink();
    private final OllamaStreamDecoder decoder = new OllamaStreamDecoder(sink);

    static Stream<Arguments> transcripts() {
        return Decoding.cases(Transcripts.OLLAMA);
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("transcripts")
    void everyTranscriptDecodesExactlyWhateverTheSplit(Transcripts.Transcript transcript, String name,
                                                       FakeUpstream.Splits splits) {
        Decoding.assertDecodes(OllamaStreamDecoder::new, transcript, splits);
    }

    private void feed(String text) {
        decoder.feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void thinkingGoesFirstWhenOneLineCarriesBoth() {
        feed("{\"message\":{\"role\":\"assistant\",\"content\":\"A\",\"thinking\":\"T\"},\"done\":false}\n");
        sink.assertReasoning("T");
        sink.assertChunk("A");
    }

    @Test
    void lastLineWithoutNewlineStillEnds() {
        feed("{\"message\":{\"content\":\"A\"},\"done\":false}\n{\"message\":{\"content\":\"\"},\"done\":true}");
        sink.assertChunk("A");
        sink.assertExhausted();
        decoder.finish();
        sink.assertEnd(FinishReason.STOP, null);
    }

    @Test
    void errorLineIsAnError() {
        UpstreamException e = assertThrows(UpstreamException.class,
                () -> feed("{\"error\":\"model 'nope' not found\"}\n"));
        assertTrue(e.getMessage().contains("model 'nope' not found"), e.getMessage());
    }

    @Test
    void bodyEndingWithoutDoneIsAnError() {
        feed("{\"message\":{\"content\":\"A\"},\"done\":false}\n");
        assertThrows(UpstreamException.class, decoder::finish);
    }

    @Test
    void nothingAfterDone() {
        feed("{\"message\":{\"content\":\"\"},\"done\":true}\n{\"message\":{\"content\":\"late\"},\"done\":true}\n");
        decoder.finish();
        sink.assertEnd(FinishReason.STOP, null);
        sink.assertExhausted();
    }

    @Test
    void garbageIsAnError() {
        assertThrows(UpstreamException.class, () -> feed("<html>Bad Gateway</html>\n"));
    }
}
