package io.chatstream.backend.upstream;

import io.chatstream.backend.ChatSink;
import io.chatstream.backend.testing.RecordingSink;
import io.chatstream.event.FinishReason;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link EventStreamDecoder}'s share of every dialect, on a dialect of two events: {@code {"text":"..."}} is a chunk,
 * {@code {"stop":true}} the end.
 */
class EventStreamDecoderTest {

    private final RecordingSink sink = new RecordingSink();

    /** The smallest dialect; with {@code wholeWithoutStop}, a body that ends after some text is a whole reply. */
    private static final class TextDecoder extends EventStreamDecoder {
        private final boolean wholeWithoutStop;
        int events;

        TextDecoder(ChatSink sink, boolean wholeWithoutStop) {
            super(sink, 1024, "no stop");
            this.wholeWithoutStop = wholeWithoutStop;
        }

        @Override
        protected void onEvent(String type, byte[] data, int length) {
            events++;
            json.beginObject(data, 0, length);
            json.next();
            String field = json.name();
            json.next();
            String text = json.text();
            json.next();
            json.end();
            if (field.equals("stop")) {
                stop();
                sink.end(FinishReason.STOP, null);
            } else {
                sink.chunk(text);
            }
        }

        @Override
        protected void bodyEnded() {
            if (wholeWithoutStop) {
                stop();
                sink.end(FinishReason.STOP, null);
            }
        }
    }

    private static void feed(EventStreamDecoder decoder, String text) {
        decoder.feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void afterTheTerminalCallNothingIsRead() {
        TextDecoder decoder = new TextDecoder(sink, false);
        feed(decoder, "data: {\"text\":\"a\"}\n\ndata: {\"stop\":true}\n\ndata: {\"text\":\"b\"}\n\ndata: not json\n\n");
        decoder.finish();
        decoder.finish();
        sink.assertChunk("a");
        sink.assertEnd(FinishReason.STOP, null);
        sink.assertExhausted();
        assertEquals(2, decoder.events);
    }

    @Test
    void aBodyThatEndsBeforeTheTerminalCallSaysWhatNeverCame() {
        TextDecoder decoder = new TextDecoder(sink, false);
        feed(decoder, "data: {\"text\":\"a\"}\n\ndata: {\"text\":\"b\"}");
        UpstreamException e = assertThrows(UpstreamException.class, decoder::finish);
        assertEquals("the response ended before the reply finished (no stop)", e.getMessage());
        sink.assertChunk("a");
        sink.assertChunk("b");
        sink.assertExhausted();
        feed(decoder, "data: {\"text\":\"c\"}\n\n");
        decoder.finish();
        sink.assertExhausted();
    }

    @Test
    void aDialectMayTakeWhatItHasAsTheWholeReply() {
        TextDecoder decoder = new TextDecoder(sink, true);
        feed(decoder, "data: {\"text\":\"a\"}\n\n");
        decoder.finish();
        sink.assertChunk("a");
        sink.assertEnd(FinishReason.STOP, null);
        sink.assertExhausted();
    }

    @Test
    void anEventThatBreaksTheDialectFailsTheFeed() {
        TextDecoder decoder = new TextDecoder(sink, false);
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed(decoder, "data: [1]\n\n"));
        assertEquals("it sent something that is not a JSON object: [1]", e.getMessage());
    }
}
