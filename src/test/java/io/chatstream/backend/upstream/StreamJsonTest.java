package io.chatstream.backend.upstream;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamJsonTest {

    private final StreamJson json = new StreamJson();

    private JsonToken begin(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return json.begin(b, 0, b.length);
    }

    /** The value of the only field of {@code {"v": value}}, positioned for a reader. */
    private void value(String value) {
        assertEquals(JsonToken.START_OBJECT, begin("{\"v\":" + value + "}"));
        assertEquals(JsonToken.FIELD_NAME, json.next());
        json.next();
    }

    @Test
    void documentsFollowOneAnotherOnOneParser() {
        for (int i = 0; i < 3; i++) {
            assertEquals(JsonToken.START_OBJECT, begin("{\"a\":\"x" + i + "\",\"b\":{\"c\":[1,2]}}"));
            assertEquals(JsonToken.FIELD_NAME, json.next());
            assertEquals("a", json.name());
            json.next();
            assertEquals("x" + i, json.text());
            json.next();
            json.next();
            json.skip();
            assertEquals(JsonToken.END_OBJECT, json.next());
            json.end();
        }
    }

    @Test
    void aNumberAtTheEndOfADocumentIsComplete() {
        assertEquals(JsonToken.VALUE_NUMBER_INT, begin("42"));
        assertEquals(42, json.asLong());
        json.end();
        assertEquals(JsonToken.VALUE_TRUE, begin("true"));
        json.end();
    }

    @Test
    void blankIsNull() {
        assertNull(begin(" \t"));
        assertEquals(JsonToken.START_ARRAY, begin("[]"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":", "{\"a\":1} x", "{\"a\":1}{}", "]", "{\"a\":tru}", "\"open"})
    void brokenOrTrailingIsNotJsonAndTheNextDocumentStartsClean(String text) {
        UpstreamException e = assertThrows(UpstreamException.class, () -> {
            JsonToken t = begin(text);
            if (t != null && t.isStructStart()) {
                json.skip();
            }
            json.end();
        });
        assertTrue(e.getMessage().startsWith("it sent something that is not JSON: "), e.getMessage());
        assertEquals(JsonToken.START_OBJECT, begin("{\"ok\":1}"));
    }

    @Test
    void conversionsReadValuesAsATreeWould() {
        String[] values = {"7", "-3", "2.9", "\"12\"", "\" 5 \"", "\"x\"", "true", "false", "null", "{\"a\":1}",
                "[1]", "99999999999999999999", "1e999", "2147483648", "-2147483649"};
        for (String v : values) {
            JsonNode node = Json.parse("{\"v\":" + v + "}").get("v");
            value(v);
            assertEquals(node.asLong(), json.asLong(), "asLong " + v);
            value(v);
            assertEquals(node.asInt(0), json.asInt(), "asInt " + v);
            value(v);
            assertEquals(node.canConvertToInt() ? Integer.valueOf(node.asInt()) : null, json.intOrNull(),
                    "int " + v);
            value(v);
            assertEquals(node.isTextual() ? node.textValue() : null, json.text(), "text " + v);
        }
    }

    @Test
    void textEqualsComparesInPlace() {
        value("\"response.output_text.delta\"");
        assertTrue(json.textEquals("response.output_text.delta"));
        assertFalse(json.textEquals("response.output_text.done"));
        value("1");
        assertFalse(json.textEquals("1"));
    }

    @Test
    void treeAndDocumentForTheRareParts() {
        value("{\"city\":\"東京\",\"n\":[1,2.5]}");
        assertEquals("{\"city\":\"東京\",\"n\":[1,2.5]}", Json.string(json.tree()));
        assertEquals("東京", json.document().get("v").get("city").asText());
    }

    private void beginObject(String event) {
        byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
        json.beginObject(bytes, 0, bytes.length);
    }

    @Test
    void oneObjectPerEventFieldsReadAndTheRestSkipped() {
        beginObject("{\"type\":\"text_delta\",\"skip\":{\"a\":[1,{\"b\":null}]},\"n\":42,\"s\":\"7\",\"text\":\"你好 👋\","
                + "\"args\":{\"city\":\"上海\",\"days\":[1,2.5]},\"missing\":null}");
        assertEquals(JsonToken.FIELD_NAME, json.next());
        assertEquals("type", json.name());
        json.next();
        assertTrue(json.textEquals("text_delta"));
        json.next();
        json.next();
        json.skip();
        json.next();
        json.next();
        assertEquals(42, json.longOr(-1));
        json.next();
        json.next();
        assertEquals(7, json.longOr(-1), "a count sent as a string");
        json.next();
        json.next();
        assertEquals("你好 👋", json.text());
        json.next();
        json.next();
        assertEquals("{\"city\":\"上海\",\"days\":[1,2.5]}", json.valueAsJson());
        json.next();
        json.next();
        assertNull(json.text());
        assertEquals(JsonToken.END_OBJECT, json.next());
        json.end();
    }

    @Test
    void longOrTakesWholeNumbersOnly() {
        String[] values = {"2.9", "true", "null", "{\"a\":1}", "[1]", "99999999999999999999", "\"x\""};
        for (String v : values) {
            value(v);
            assertEquals(-1, json.longOr(-1), v);
            assertEquals(JsonToken.END_OBJECT, json.next(), v);
            json.end();
        }
    }

    @Test
    void theSameNameIsTheSameInstanceFromEventToEvent() {
        beginObject("{\"candidatesTokenCount\":1}");
        json.next();
        String first = json.name();
        json.next();
        json.next();
        json.end();
        beginObject("{\"candidatesTokenCount\":2}");
        json.next();
        assertSame(first, json.name());
    }

    @Test
    void documentsKeepParsingAcrossTheParsersRenewal() {
        String padding = "x".repeat(1000);
        for (int i = 0; i < 3000; i++) {
            beginObject("{\"name" + i + "\":\"" + padding + "\",\"i\":" + i + "}");
            assertEquals(JsonToken.FIELD_NAME, json.next());
            json.next();
            json.skip();
            assertEquals(JsonToken.FIELD_NAME, json.next());
            json.next();
            assertEquals(i, json.longOr(-1));
            assertEquals(JsonToken.END_OBJECT, json.next());
            json.end();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1]", "42", "\"s\"", "{\"a\":", "{\"a\":1} {}", "{\"a\":tru}", "", " "})
    void anythingButOneWholeObjectIsAnErrorWhereObjectsAreExpected(String bad) {
        StreamJson fresh = new StreamJson();
        byte[] bytes = bad.getBytes(StandardCharsets.UTF_8);
        UpstreamException e = assertThrows(UpstreamException.class, () -> {
            fresh.beginObject(bytes, 0, bytes.length);
            while (fresh.next() == JsonToken.FIELD_NAME) {
                fresh.next();
                fresh.skip();
            }
            fresh.end();
        });
        assertTrue(e.getMessage().contains(bad.isBlank() ? "empty event" : "not a JSON object"), e.getMessage());
        byte[] ok = "{\"ok\":1}".getBytes(StandardCharsets.UTF_8);
        fresh.beginObject(ok, 0, ok.length);
        assertEquals(JsonToken.FIELD_NAME, fresh.next());
    }

    @Test
    void invalidUtf8IsAnError() {
        byte[] bytes = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'};
        assertThrows(UpstreamException.class, () -> {
            json.beginObject(bytes, 0, bytes.length);
            json.next();
            json.next();
            json.text();
        });
    }
}
