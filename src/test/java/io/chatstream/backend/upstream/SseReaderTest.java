package io.chatstream.backend.upstream;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SseReaderTest {

    private final List<String> seen = new ArrayList<>();
    private final SseReader reader = new SseReader(1024, new SseReader.Handler() {
        @Override
        public void onEvent(String type, String data) {
            seen.add(type == null ? data : type + ":" + data);
        }

        @Override
        public void onComment(String comment) {
            seen.add("#" + comment);
        }
    });

    private void feed(String text) {
        reader.feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void dataWithSpace() {
        feed("data: {\"a\":1}\n\n");
        assertEquals(List.of("{\"a\":1}"), seen);
    }

    @Test
    void dataWithoutSpace() {
        feed("data:{\"a\":1}\n\n");
        assertEquals(List.of("{\"a\":1}"), seen);
    }

    @Test
    void onlyOneSpaceIsTaken() {
        feed("data:  x\n\n");
        assertEquals(List.of(" x"), seen);
    }

    @Test
    void cr() {
        feed("data: a\r\rdata: b\r\r");
        assertEquals(List.of("a", "b"), seen);
    }

    @Test
    void crlf() {
        feed("data: a\r\n\r\ndata: b\r\n\r\n");
        assertEquals(List.of("a", "b"), seen);
    }

    @Test
    void comment() {
        feed(": OPENROUTER PROCESSING\n\ndata: x\n\n");
        assertEquals(List.of("# OPENROUTER PROCESSING", "x"), seen);
    }

    @Test
    void done() {
        feed("data: [DONE]\n\n");
        assertEquals(List.of("[DONE]"), seen);
    }

    @Test
    void multiLineDataIsJoinedWithLf() {
        feed("data: {\"a\":\ndata: 1}\n\n");
        assertEquals(List.of("{\"a\":\n1}"), seen);
    }

    @Test
    void eventType() {
        feed("event: error\ndata: {}\n\ndata: y\n\n");
        assertEquals(List.of("error:{}", "y"), seen);
    }

    @Test
    void idRetryAndUnknownFieldsAreIgnored() {
        feed("id: 7\nretry: 10\nfoo: bar\ndata: x\n\n");
        assertEquals(List.of("x"), seen);
    }

    @Test
    void blankLineWithoutDataDispatchesNothing() {
        feed("\n\nevent: ping\n\n");
        assertEquals(List.of(), seen);
    }

    @Test
    void severalEventsInOneRead() {
        feed("data: a\n\ndata: b\n\n: c\ndata: d\n\n");
        assertEquals(List.of("a", "b", "# c", "d"), seen);
    }

    @Test
    void splitInsideALine() {
        feed("da");
        feed("ta: he");
        feed("llo\n");
        assertEquals(List.of(), seen);
        feed("\n");
        assertEquals(List.of("hello"), seen);
    }

    @Test
    void splitInsideAUtf8Character() {
        byte[] bytes = "data: 你好😀\n\n".getBytes(StandardCharsets.UTF_8);
        int cut = "data: ".length() + 1; // inside 你
        reader.feed(ByteBuffer.wrap(bytes, 0, cut));
        reader.feed(ByteBuffer.wrap(bytes, cut, bytes.length - cut - 4)); // stops inside 😀
        reader.feed(ByteBuffer.wrap(bytes, bytes.length - 4, 4));
        assertEquals(List.of("你好😀"), seen);
    }

    @Test
    void oneByteAtATime() {
        byte[] bytes = ": ka\r\ndata: 一二\r\n\r\ndata:[DONE]\r\r".getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            reader.feed(ByteBuffer.wrap(new byte[] {b}));
        }
        assertEquals(List.of("# ka", "一二", "[DONE]"), seen);
    }

    @Test
    void lastEventWithoutBlankLineIsDispatchedAtFinish() {
        feed("data: a\n\ndata: [DONE]");
        assertEquals(List.of("a"), seen);
        reader.finish();
        assertEquals(List.of("a", "[DONE]"), seen);
    }

    @Test
    void lineTooLong() {
        assertThrows(UpstreamException.class, () -> feed("data: " + "x".repeat(2000)));
    }

    @Test
    void eventTooLongAcrossManyDataLines() {
        String line = "data: " + "x".repeat(500) + "\n";
        assertThrows(UpstreamException.class, () -> feed(line + line + line));
    }
}
