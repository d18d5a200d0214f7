package io.chatstream.backend.upstream;

import com.fasterxml.jackson.core.JsonToken;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonPullTest {

    private final JsonPull json = new JsonPull();

    private void begin(String event) {
        byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
        json.begin(bytes, bytes.length);
    }

    @Test
    void readsFieldsOfOneEventAndSkipsTheRest() {
        begin("{\"type\":\"text_delta\",\"skip\":{\"a\":[1,{\"b\":null}]},\"n\":42,\"s\":\"7\",\"text\":\"你好 👋\","
                + "\"flag\":true,\"args\":{\"city\":\"上海\",\"days\":[1,2.5]},\"missing\":null}");
        assertTrue(json.nextField());
        assertEquals("type", json.field());
        assertTrue(json.stringIs("text_delta"));
        assertTrue(json.nextField());
        json.skipValue();
        assertTrue(json.nextField());
        assertEquals(42, json.number(-1));
        assertTrue(json.nextField());
        assertEquals(7, json.number(-1), "a count sent as a string");
        assertTrue(json.nextField());
        assertEquals("你好 👋", json.string());
        assertTrue(json.nextField());
        assertTrue(json.bool());
        assertTrue(json.nextField());
        assertEquals("{\"city\":\"上海\",\"days\":[1,2.5]}", json.valueAsJson());
        assertTrue(json.nextField());
        assertNull(json.string());
        assertFalse(json.nextField());
        json.end();
    }

    @Test
    void theSameNameIsTheSameInstanceFromEventToEvent() {
        begin("{\"candidatesTokenCount\":1}");
        json.nextField();
        String first = json.field();
        json.skipValue();
        json.nextField();
        json.end();
        begin("{\"candidatesTokenCount\":2}");
        json.nextField();
        assertSame(first, json.field());
    }

    @Test
    void eventsKeepParsingAcrossTheParsersRenewal() {
        String padding = "x".repeat(1000);
        for (int i = 0; i < 3000; i++) {
            begin("{\"name" + i + "\":\"" + padding + "\",\"i\":" + i + "}");
            assertTrue(json.nextField());
            json.skipValue();
            assertTrue(json.nextField());
            assertEquals(i, json.number(-1));
            assertFalse(json.nextField());
            json.end();
        }
    }

    @Test
    void anythingButOneWholeObjectIsAnError() {
        for (String bad : new String[] {"[1]", "42", "\"s\"", "{\"a\":", "{\"a\":1} {}", "{\"a\":tru}", "", " "}) {
            JsonPull fresh = new JsonPull();
            byte[] bytes = bad.getBytes(StandardCharsets.UTF_8);
            assertThrows(UpstreamException.class, () -> {
                fresh.begin(bytes, bytes.length);
                while (fresh.nextField()) {
                    fresh.skipValue();
                }
                fresh.end();
            }, bad);
        }
    }

    @Test
    void invalidUtf8IsAnError() {
        JsonPull fresh = new JsonPull();
        byte[] bytes = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'};
        assertThrows(UpstreamException.class, () -> {
            fresh.begin(bytes, bytes.length);
            fresh.nextField();
            fresh.string();
        });
    }

    @Test
    void valueTokensAreReported() {
        begin("{\"a\":[true]}");
        json.nextField();
        assertEquals(JsonToken.START_ARRAY, json.value());
        assertTrue(json.nextElement());
        assertFalse(json.nextElement());
        assertFalse(json.nextField());
        json.end();
    }
}
