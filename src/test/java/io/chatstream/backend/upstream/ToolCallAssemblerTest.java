package io.chatstream.backend.upstream;

import io.chatstream.event.ToolCall;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ToolCallAssemblerTest {

    private final ToolCallAssembler assembler = new ToolCallAssembler(1000);

    private void add(String json) {
        assembler.add(Json.parse(json));
    }

    @Test
    void piecesPerIndexAreAssembledInIndexOrder() {
        add("[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]");
        add("[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{\\\"tz\\\":\"}}]");
        add("[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]");
        add("[{\"index\":0,\"function\":{\"arguments\":\"\\\"巴黎\\\"}\"}}]");
        add("[{\"index\":1,\"function\":{\"arguments\":\"\\\"CET\\\"}\"}}]");
        assertEquals(List.of(new ToolCall("call_a", "get_weather", "{\"city\":\"巴黎\"}"),
                new ToolCall("call_b", "get_time", "{\"tz\":\"CET\"}")), assembler.drain());
        assertTrue(assembler.isEmpty());
    }

    @Test
    void piecesWithoutIndexContinueTheLastCallOrStartOneWithANewId() {
        add("[{\"id\":\"x\",\"function\":{\"name\":\"a\",\"arguments\":\"{\\\"n\\\"\"}}]");
        add("[{\"function\":{\"arguments\":\":1}\"}}]");
        add("[{\"id\":\"y\",\"function\":{\"name\":\"b\",\"arguments\":\"{}\"}}]");
        assertEquals(List.of(new ToolCall("x", "a", "{\"n\":1}"), new ToolCall("y", "b", "{}")), assembler.drain());
    }

    @Test
    void missingIdAndEmptyArgumentsGetDefaults() {
        add("[{\"index\":2,\"function\":{\"name\":\"now\"}}]");
        assertEquals(List.of(new ToolCall("call_2", "now", "{}")), assembler.drain());
    }

    @Test
    void boundedSize() {
        assertThrows(UpstreamException.class,
                () -> add("[{\"index\":0,\"function\":{\"name\":\"f\",\"arguments\":\"" + "x".repeat(1001) + "\"}}]"));
    }
}
