package io.chatstream.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonObjectTest {

    private static String json(java.util.function.Consumer<JsonObject> fields) {
        ByteSink out = new ByteSink(16);
        JsonObject o = JsonObject.in(out);
        fields.accept(o);
        o.end();
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    @Test
    void fieldsInOrderCompactOnOneLine() {
        assertEquals("{\"type\":\"tick\",\"n\":1,\"server_time_ms\":1732000001000}",
                json(o -> o.string("type", "tick").number("n", 1).number("server_time_ms", 1_732_000_001_000L)));
    }

    @Test
    void anObjectWithoutFields() {
        assertEquals("{}", json(o -> { }));
    }

    @Test
    void namesAndStringsAreEscapedSoNoTextEndsTheLineOrTheString() throws Exception {
        String text = "a \"quote\", a \\, a line\nbreak\r, a \u2028 and 世界 😀";
        String written = json(o -> o.string("na\"me\n", text).number("minus", -42));
        assertEquals(-1, written.indexOf('\n'));
        assertEquals(-1, written.indexOf('\r'));
        JsonNode parsed = new ObjectMapper().readTree(written);
        assertEquals(text, parsed.get("na\"me\n").asText());
        assertEquals(-42, parsed.get("minus").asLong());
    }
}
