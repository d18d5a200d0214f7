package io.chatstream.backend.upstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

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
    void documentsKeepParsingPastManyDistinctNames() {
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

    private static final String[] NAMES = {"type", "candidatesTokenCount", "a\\u0062", "\u00fc", "", "x y",
            "a\\\"b", "\u6771\u4eac", "promptTokensDetails_and_then_some_more"};
    private static final String[] SCALARS = {"\"\"", "\"text\"", "\"a\\nb\\t\\\"q\\\"\"",
            "\"\\u00e9\\ud83d\\ude00\"", "\"\u6771\u4eac \ud83d\udc4b\"", "\"0123456789abcdefghij\"", "0", "-0",
            "12", "-7", "1.5", "-2e10", "1E+2", "3.0e-2", "2147483648", "9223372036854775807", "99999999999999999999",
            "true", "false", "null"};
    private static final String MUTATIONS = "{}[]:,\"\\ 0a-.e+\tux/";

    /**
     * Random documents, whole and mangled, read by this reader and by Jackson's own parser: the same documents are
     * refused, and an accepted one yields the same tokens, names, text and numbers.
     */
    @Test
    void readsWhatJacksonReadsAndRefusesWhatItRefuses() throws IOException {
        JsonFactory jackson = new JsonFactory();
        Random r = new Random(20261203);
        int accepted = 0;
        for (int run = 0; run < 20_000; run++) {
            StringBuilder doc = new StringBuilder();
            randomValue(r, doc, 4);
            if (r.nextBoolean()) {
                for (int edits = 1 + r.nextInt(2); edits > 0 && doc.length() > 0; edits--) {
                    int at = r.nextInt(doc.length());
                    switch (r.nextInt(3)) {
                        case 0 -> doc.deleteCharAt(at);
                        case 1 -> doc.insert(at, MUTATIONS.charAt(r.nextInt(MUTATIONS.length())));
                        default -> doc.setLength(at);
                    }
                }
            }
            byte[] bytes = doc.toString().getBytes(StandardCharsets.UTF_8);
            List<String> expected = new ArrayList<>();
            try (JsonParser p = jackson.createParser(bytes)) {
                JsonToken t = p.nextToken();
                int depth = 0;
                while (t != null) {
                    expected.add(describe(t, p.currentName(), t == JsonToken.VALUE_STRING ? p.getText() : null,
                            t.isNumeric() ? (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType()
                                    == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue().longValue()
                                    : t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : (long) p.getDoubleValue())
                                    : 0));
                    depth += t.isStructStart() ? 1 : t.isStructEnd() ? -1 : 0;
                    if (depth == 0) {
                        break;
                    }
                    t = p.nextToken();
                }
                if (t != null && p.nextToken() != null) {
                    expected = null; // more than one value
                }
            } catch (IOException e) {
                expected = null;
            }
            List<String> actual = new ArrayList<>();
            try {
                JsonToken t = json.begin(bytes, 0, bytes.length);
                int depth = 0;
                while (t != null) {
                    actual.add(describe(t, t == JsonToken.FIELD_NAME ? json.name() : null,
                            t == JsonToken.VALUE_STRING ? json.text() : null, t.isNumeric() ? json.asLong() : 0));
                    depth += t.isStructStart() ? 1 : t.isStructEnd() ? -1 : 0;
                    if (depth == 0) {
                        break;
                    }
                    t = json.next();
                }
                json.end();
            } catch (UpstreamException e) {
                actual = null;
            }
            assertEquals(expected, actual, doc.toString());
            accepted += expected == null ? 0 : 1;
        }
        assertTrue(accepted > 5_000 && accepted < 19_000, "both kinds were tried: " + accepted);
    }

    private static String describe(JsonToken t, String name, String text, long number) {
        return t + (t == JsonToken.FIELD_NAME ? " " + name : "") + (text != null ? " " + text : "")
                + (t.isNumeric() ? " " + number : "");
    }

    private static void randomValue(Random r, StringBuilder out, int depth) {
        space(r, out);
        int kind = depth == 0 ? 2 : r.nextInt(3);
        if (kind == 0) {
            out.append('{');
            for (int i = r.nextInt(4); i > 0; i--) {
                space(r, out);
                out.append('"').append(NAMES[r.nextInt(NAMES.length)]).append('"');
                space(r, out);
                out.append(':');
                randomValue(r, out, depth - 1);
                out.append(i > 1 ? "," : "");
            }
            space(r, out);
            out.append('}');
        } else if (kind == 1) {
            out.append('[');
            for (int i = r.nextInt(4); i > 0; i--) {
                randomValue(r, out, depth - 1);
                out.append(i > 1 ? "," : "");
            }
            space(r, out);
            out.append(']');
        } else {
            out.append(SCALARS[r.nextInt(SCALARS.length)]);
        }
        space(r, out);
    }

    private static void space(Random r, StringBuilder out) {
        if (r.nextInt(4) == 0) {
            out.append(" \t\r\n".charAt(r.nextInt(4)));
        }
    }
}
