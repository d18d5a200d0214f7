package io.chatstream.backend.upstream;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ByteLineSplitter} and {@link SseByteReader} give exactly what {@link LineSplitter} and {@link SseReader}
 * give, for the same bytes cut the same way, valid or not; and their own corners.
 */
class ByteReadersTest {

    /** Pieces that steer random bodies into the corners: line ends, multi-byte and broken UTF-8, fields, BOMs. */
    private static final byte[][] PIECES = {
            bytes("\n"), bytes("\r"), bytes("\r\n"), bytes("data: "), bytes("data:"), bytes("event: e"),
            bytes(": keep-alive"), bytes("id: 7"), bytes("{\"a\":1}"), bytes("你好"), bytes("👋"), bytes("x"),
            bytes("\uFEFF"), {(byte) 0xE4, (byte) 0xBD}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0,
            (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xFF}, {(byte) 0x80}};

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] randomBody(Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = r.nextInt(40); i > 0; i--) {
            out.writeBytes(PIECES[r.nextInt(PIECES.length)]);
        }
        return out.toByteArray();
    }

    /** Feeds {@code body} in random cuts, some as read-only buffers (no array behind them). */
    private static void feedCut(Random r, byte[] body, Consumer<ByteBuffer> feed) {
        int off = 0;
        while (off < body.length) {
            int n = Math.min(body.length - off, 1 + r.nextInt(9));
            ByteBuffer b = ByteBuffer.wrap(body, off, n);
            feed.accept(r.nextBoolean() ? b : b.asReadOnlyBuffer());
            off += n;
        }
    }

    private static String outcome(List<String> seen, Runnable run) {
        try {
            run.run();
            return seen.toString();
        } catch (UpstreamException e) {
            return seen + " then " + e.getMessage();
        }
    }

    @Test
    void byteLinesAreTheLinesOfLineSplitter() {
        Random r = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            byte[] body = randomBody(r);
            int max = r.nextBoolean() ? 1 << 20 : 1 + r.nextInt(30);
            long seed = r.nextLong();
            List<String> expected = new ArrayList<>();
            LineSplitter reference = new LineSplitter(max, expected::add);
            String want = outcome(expected, () -> {
                feedCut(new Random(seed), body, reference::feed);
                reference.finish();
            });
            List<String> actual = new ArrayList<>();
            ByteLineSplitter splitter = new ByteLineSplitter(max,
                    (b, off, n) -> actual.add(new String(b, off, n, StandardCharsets.UTF_8)));
            String got = outcome(actual, () -> {
                feedCut(new Random(seed), body, splitter::feed);
                splitter.finish();
            });
            assertEquals(want, got, () -> Arrays.toString(body));
        }
    }

    @Test
    void byteEventsAreTheEventsOfSseReader() {
        Random r = new Random(12);
        for (int i = 0; i < 20_000; i++) {
            byte[] body = randomBody(r);
            long seed = r.nextLong();
            List<String> expected = new ArrayList<>();
            SseReader reference = new SseReader(1 << 20, (type, data) -> expected.add(type + "|" + data));
            String want = outcome(expected, () -> {
                feedCut(new Random(seed), body, reference::feed);
                reference.finish();
            });
            List<String> actual = new ArrayList<>();
            SseByteReader reader = new SseByteReader(1 << 20,
                    (type, data, n) -> actual.add(type + "|" + new String(data, 0, n, StandardCharsets.UTF_8)));
            String got = outcome(actual, () -> {
                feedCut(new Random(seed), body, reader::feed);
                reader.finish();
            });
            assertEquals(want, got, () -> Arrays.toString(body));
        }
    }

    @Test
    void aLineWithinOneBufferIsHandedOnFromIt() {
        byte[] body = bytes("data: a\n");
        List<byte[]> arrays = new ArrayList<>();
        ByteLineSplitter splitter = new ByteLineSplitter(100, (b, off, n) -> arrays.add(b));
        splitter.feed(ByteBuffer.wrap(body));
        assertTrue(arrays.get(0) == body, "no copy of a whole line");
    }

    @Test
    void repeatedEventNamesAreTheSameString() {
        List<String> types = new ArrayList<>();
        SseByteReader reader = new SseByteReader(100, (type, data, n) -> types.add(type));
        reader.feed(ByteBuffer.wrap(bytes("event: response.output_text.delta\ndata: 1\n\n"
                + "event: response.output_text.delta\ndata: 2\n\nevent: e\ndata: 3\n\n")));
        assertEquals(List.of("response.output_text.delta", "response.output_text.delta", "e"), types);
        assertTrue(types.get(0) == types.get(1), "decoded once");
    }

    @Test
    void anEventLongerThanTheBoundIsAnError() {
        SseByteReader reader = new SseByteReader(12, (type, data, n) -> {
        });
        reader.feed(ByteBuffer.wrap(bytes("data: 123456\n")));
        UpstreamException e = assertThrows(UpstreamException.class,
                () -> reader.feed(ByteBuffer.wrap(bytes("data: 789012\n"))));
        assertEquals("an event was longer than 12 bytes", e.getMessage());
    }
}
