package io.chatstream.backend.testing;

import io.chatstream.backend.ChatSink;
import io.chatstream.backend.upstream.BodyDecoder;
import org.junit.jupiter.params.provider.Arguments;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Feeds bodies to decoders cut in hostile ways, and checks what comes out against the transcript. */
public final class Decoding {

    private Decoding() {
    }

    /** Named ways to cut a body, from one write to one byte per write. */
    public static List<Arguments> splits() {
        return List.of(
                Arguments.of("whole", FakeUpstream.Splits.whole()),
                Arguments.of("one byte", FakeUpstream.Splits.oneByte()),
                Arguments.of("inside characters", FakeUpstream.Splits.insideCharacters()),
                Arguments.of("random 1-7 #1", FakeUpstream.Splits.random(1, 7)),
                Arguments.of("random 1-7 #2", FakeUpstream.Splits.random(2, 7)),
                Arguments.of("random 1-300", FakeUpstream.Splits.random(3, 300)));
    }

    /** Every transcript with LF, CRLF and CR line ends, times every split. */
    public static Stream<Arguments> cases(List<Transcripts.Transcript> transcripts) {
        List<Arguments> all = new ArrayList<>();
        for (Transcripts.Transcript t : transcripts) {
            for (Transcripts.Transcript variant : List.of(t, t.withLineEnds("\r\n"), t.withLineEnds("\r"))) {
                for (Arguments split : splits()) {
                    all.add(Arguments.of(variant, split.get()[0], split.get()[1]));
                }
            }
        }
        return all.stream();
    }

    /** Decodes {@code body} cut by {@code splits}, then checks the reply is exactly the transcript's. */
    public static void assertDecodes(Function<ChatSink, BodyDecoder> decoders, Transcripts.Transcript transcript,
                                     FakeUpstream.Splits splits) {
        RecordingSink sink = new RecordingSink();
        BodyDecoder decoder = decoders.apply(sink);
        for (byte[] piece : splits.cut(transcript.bytes())) {
            decoder.feed(ByteBuffer.wrap(piece));
        }
        decoder.finish();
        assertReply(transcript, sink.awaitReply());
        sink.assertExhausted();
    }

    /** The reply carries exactly the transcript's reasoning, answer, tool calls, finish reason and usage. */
    public static void assertReply(Transcripts.Transcript transcript, RecordingSink.Reply reply) {
        assertEquals(transcript.reasoning(), reply.reasoning(), "reasoning");
        assertEquals(transcript.answer(), reply.answer(), "answer");
        assertEquals(transcript.toolCalls(), reply.toolCalls(), "tool calls");
        RecordingSink.Call end = reply.end();
        assertEquals(transcript.finish(), end.reason(), "finish reason");
        assertEquals(transcript.usage(), end.usage(), "usage");
    }
}
