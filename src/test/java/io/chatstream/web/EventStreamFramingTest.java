package io.chatstream.web;

import io.chatstream.wire.Framing;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertSame;

/** The framing of a stream's response follows its Accept header ({@code SPEC.md} section 3). */
class EventStreamFramingTest {

    @ParameterizedTest
    @ValueSource(strings = {"application/x-ndjson", "Application/X-NDJSON", "application/json, application/x-ndjson",
        "application/x-ndjson;q=0.9"})
    void ndjsonWhenAskedForAndEventStreamIsNot(String accept) {
        assertSame(Framing.NDJSON, EventStreamResponse.framing(accept));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"*/*", "text/event-stream", "application/json",
        "application/x-ndjson, text/event-stream", "text/event-stream;q=0.1, application/x-ndjson"})
    void sseOtherwise(String accept) {
        assertSame(Framing.SSE, EventStreamResponse.framing(accept));
    }
}
