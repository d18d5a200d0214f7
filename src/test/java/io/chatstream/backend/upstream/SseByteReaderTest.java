package io.chatstream.backend.upstream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link SseByteReader}: a test per corner of the wire format ({@link ByteReadersTest} holds it to SseReader). */
class SseByteReaderTest {

    private final List<String> events = new ArrayList<>();
    private final List<String> types = new ArrayList<>();
    private final SseByteReader reader = new SseByteReader(1024, (type, data, length) -> {
        types.add(type);
        events.add(new String(data, 0, length, StandardCharsets.UTF_8));
    });

    private void feed(String text) {
        reader.feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    private void feedBytewise(byte[] bytes) {
        for (byte b : bytes) {
            reader.feed(ByteBuffer.wrap(new byte[] {b}));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n", "\r\n", "\r"})
    void everyLineEndEndsLinesAndEventsEvenOneByteAtATime(String eol) {
        feedBytewise(("data: {\"a\":\"你好 👋\"}" + eol + eol + "data:b" + eol + eol).getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("{\"a\":\"你好 👋\"}", "b"), events);
    }

    @Test
    void crAtTheEndOfOneReadAndLfAtTheStartOfTheNextAreOneLineEnd() {
        feed("data: a\r");
        feed("\n\r");
        feed("\ndata: b\n\n");
        assertEquals(List.of("a", "b"), events);
    }

    @Test
    void dataLinesOfOneEventAreJoinedWithLf() {
        feed("data: one\ndata:two\ndata\n\n");
        assertEquals(List.of("one\ntwo\n"), events);
    }

    @Test
    void commentsIdsAndOtherFieldsAreSkipped() {
        feed(": keep-alive\n\nevent: ping\nid: 7\nretry: 10\ndatum: no\ndata-x: no\ndata: yes\n\n:\n\nevent: x\n\n");
        assertEquals(List.of("yes"), events);
        assertEquals(Collections.singletonList("ping"), types);
    }

    @Test
    void theEventNameGoesWithItsEventOnly() {
        feed("event: message_start\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n");
        assertEquals(List.of("1", "2", "3"), events);
        assertEquals(Arrays.asList("message_start", null, null), types);
    }

    @Test
    void onlyOneSpaceAfterTheColonIsDropped() {
        feed("data:  two spaces\n\n");
        assertEquals(List.of(" two spaces"), events);
    }

    @Test
    void aPendingEventIsDispatchedWhenTheBodyEnds() {
        feed("data: last");
        assertEquals(List.of(), events);
        reader.finish();
        assertEquals(List.of("last"), events);
    }

    @Test
    void aByteOrderMarkAtTheStartIsDropped() {
        feedBytewise(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        feed("data: x\n\n");
        assertEquals(List.of("x"), events);
    }

    @Test
    void aByteOrderMarkLaterIsNotDropped() {
        feed("data: x\n\n\uFEFFdata: y\n\ndata: \uFEFFz\n\n");
        assertEquals(List.of("x", "\uFEFFz"), events);
    }

    @Test
    void invalidUtf8IsAnErrorEvenOutsideTheData() {
        byte[] bad = {':', ' ', (byte) 0xC3, '\n'};
        assertThrows(UpstreamException.class, () -> reader.feed(ByteBuffer.wrap(bad)));
    }

    @Test
    void aBufferWithoutArrayIsRead() {
        ByteBuffer direct = ByteBuffer.allocateDirect(16);
        direct.put("data: d\n\n".getBytes(StandardCharsets.US_ASCII)).flip();
        reader.feed(direct);
        assertEquals(List.of("d"), events);
        assertEquals(0, direct.remaining());
    }

    @Test
    void aSlicedHeapBufferIsReadFromItsPosition() {
        ByteBuffer whole = ByteBuffer.wrap("xxdata: s\n\nyy".getBytes(StandardCharsets.US_ASCII));
        whole.position(2).limit(11);
        reader.feed(whole.slice());
        assertEquals(List.of("s"), events);
    }

    @Test
    void aLineOrEventBeyondTheBoundIsAnError() {
        UpstreamException line = assertThrows(UpstreamException.class, () -> feed("data: " + "x".repeat(1100)));
        assertEquals("a line was longer than 1024 bytes", line.getMessage());
        SseByteReader other = new SseByteReader(1024, (t, d, n) -> { });
        byte[] half = ("data: " + "y".repeat(600) + "\n").getBytes(StandardCharsets.US_ASCII);
        other.feed(ByteBuffer.wrap(half));
        UpstreamException event = assertThrows(UpstreamException.class, () -> other.feed(ByteBuffer.wrap(half)));
        assertEquals("an event was longer than 1024 bytes", event.getMessage());
    }
}
