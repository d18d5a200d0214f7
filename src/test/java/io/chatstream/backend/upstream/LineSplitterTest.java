package io.chatstream.backend.upstream;

import io.chatstream.event.ErrorCode;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LineSplitterTest {

    private final List<String> lines = new ArrayList<>();
    private final LineSplitter splitter = new LineSplitter(64, lines::add);

    private void feed(String text) {
        splitter.feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    private void feedBytes(byte[] bytes, int from, int to) {
        splitter.feed(ByteBuffer.wrap(bytes, from, to - from));
    }

    @Test
    void lf() {
        feed("a\nb\n");
        assertEquals(List.of("a", "b"), lines);
    }

    @Test
    void cr() {
        feed("a\rb\r");
        assertEquals(List.of("a", "b"), lines);
    }

    @Test
    void crlf() {
        feed("a\r\nb\r\n");
        assertEquals(List.of("a", "b"), lines);
    }

    @Test
    void crlfSplitBetweenCrAndLfIsOneLineEnd() {
        feed("a\r");
        feed("\nb\r");
        feed("\n");
        assertEquals(List.of("a", "b"), lines);
    }

    @Test
    void blankLinesAreLines() {
        feed("a\n\r\n\rb\n");
        assertEquals(List.of("a", "", "", "b"), lines);
    }

    @Test
    void splitInsideALine() {
        feed("hel");
        assertEquals(List.of(), lines);
        feed("lo\n");
        assertEquals(List.of("hello"), lines);
    }

    @Test
    void splitInsideAUtf8Character() {
        byte[] bytes = "€😀\n".getBytes(StandardCharsets.UTF_8); // 3 + 4 bytes
        for (int i = 0; i < bytes.length; i++) {
            feedBytes(bytes, i, i + 1);
        }
        assertEquals(List.of("€😀"), lines);
    }

    @Test
    void severalLinesInOneRead() {
        feed("一\n二\r三\r\n");
        assertEquals(List.of("一", "二", "三"), lines);
    }

    @Test
    void unterminatedLastLineComesAtFinish() {
        feed("a\nb");
        assertEquals(List.of("a"), lines);
        splitter.finish();
        assertEquals(List.of("a", "b"), lines);
    }

    @Test
    void byteOrderMarkAtStartIsDropped() {
        feed("\uFEFFdata\n\uFEFFx\n");
        assertEquals(List.of("data", "\uFEFFx"), lines);
    }

    @Test
    void lineOfExactlyTheBoundIsAccepted() {
        feed("x".repeat(64) + "\n");
        assertEquals(List.of("x".repeat(64)), lines);
    }

    @Test
    void lineTooLongIsAnUpstreamError() {
        feed("x".repeat(64));
        UpstreamException e = assertThrows(UpstreamException.class, () -> feed("x"));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        assertTrue(e.getMessage().contains("longer than 64 bytes"), e.getMessage());
    }

    @Test
    void invalidUtf8IsAnUpstreamError() {
        UpstreamException e = assertThrows(UpstreamException.class,
                () -> splitter.feed(ByteBuffer.wrap(new byte[] {'a', (byte) 0xC3, '\n'})));
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void lineAfterALongOneStillWorks() {
        LineSplitter big = new LineSplitter(200_000, lines::add);
        big.feed(ByteBuffer.wrap(("y".repeat(150_000) + "\nshort\n").getBytes(StandardCharsets.US_ASCII)));
        assertEquals(2, lines.size());
        assertEquals("short", lines.get(1));
    }
}
