package io.chatstream.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The 400 messages of request parsing are the product's words: whatever the JSON parser found, the message says it
 * without the parser's internals (its class and feature names, its token types, its "source" and "code" notes).
 */
class ChatRequestParserMessagesTest {

    private static final ChatRequestParser PARSER = new ChatRequestParser(100, 1_000_000);

    /** What the parser's own messages are made of; none of it may reach a person. */
    private static final List<String> INTERNALS = List.of("`", "StreamReadConstraints", "getMax", "end-of-input",
            "Object entries", "(code ", "CTRL-CHAR", "Source", "REDACTED", "Trailing token", "START_", "END_",
            "JsonNode", "Feature", "marker", "Non-standard", "Unrecognized", "Unexpected character", "bound as");

    private static String message(String body) {
        ApiError e = assertThrows(ApiError.class, () -> PARSER.parse(body.getBytes(StandardCharsets.UTF_8)), body);
        assertEquals(400, e.status());
        for (String internal : INTERNALS) {
            assertFalse(e.getMessage().contains(internal), body + " -> " + e.getMessage());
        }
        return e.getMessage();
    }

    @Test
    void everyWayJsonCanBeBrokenIsSaidInWords() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("", "The body is empty; send a JSON object.");
        expected.put("  \n", "The body is empty; send a JSON object.");
        expected.put("{", "The body ends before its JSON does: an object, array or string is not closed.");
        expected.put("{\"messages\":", "The body ends before its JSON does: an object, array or string is not closed.");
        expected.put("{\"message\":\"x", "The body ends before its JSON does: an object, array or string is not"
                + " closed.");
        expected.put("{\"a\":" + "[".repeat(40) + "]".repeat(40) + "}", "The body's JSON nests deeper than 32 levels.");
        expected.put("{\"n\":" + "1".repeat(150) + "}", "A number in the body has more than 100 digits.");
        expected.put("{\"message\":\"x\"} {}", "The body holds more than one JSON value; send one object.");
        expected.put("{\"message\":\"x\"}]", "The body is not valid JSON (line 1, column 16).");
        expected.put("{\"message\":\"x\",\"message\":\"y\"}",
                "The body has the same member twice in one object (line 1, column 25).");
        expected.put("{\"message\":\"x\",\"temperature\":NaN}", "The body is not valid JSON (line 1, column 33).");
        expected.put("{message:\"x\"}", "The body is not valid JSON (line 1, column 2).");
        expected.put("{\"message\":\"a\nb\"}", "The body is not valid JSON: a string holds a raw control character;"
                + " write it escaped, as \\n (line 1, column 14).");
        expected.put("{\"message\":\"\\q\"}", "The body is not valid JSON (line 1, column 14).");
        expected.put("{\"n\":01}", "The body is not valid JSON (line 1, column 7).");
        expected.put("// c\n{}", "The body is not valid JSON (line 1, column 1).");
        for (Map.Entry<String, String> c : expected.entrySet()) {
            assertEquals(c.getValue(), message(c.getKey()), c.getKey());
        }
    }

    @Test
    void randomBreakageNeverShowsTheParsersInternals() {
        String good = "{\"messages\":[{\"role\":\"user\",\"content\":\"h\\u00e9llo \\\"x\\\"\"}],\"model\":\"m\","
                + "\"temperature\":0.5,\"max_tokens\":12,\"extra\":[1,2.5e3,true,null,{\"k\":\"v\"}]}";
        for (int cut = 0; cut < good.length(); cut++) {
            String prefix = good.substring(0, cut);
            try {
                PARSER.parse(prefix.getBytes(StandardCharsets.UTF_8));
            } catch (ApiError e) {
                message(prefix);
            }
            for (char c : new char[] {'}', ']', ',', ':', '"', 'x', '\\', '\u0001', '{', '['}) {
                String broken = prefix + c + good.substring(cut + 1);
                try {
                    PARSER.parse(broken.getBytes(StandardCharsets.UTF_8));
                } catch (ApiError e) {
                    message(broken);
                }
            }
        }
    }

    @Test
    void bothMessageAndMessagesIs400() {
        assertEquals("The body has both \"messages\" and \"message\"; send one of them.",
                message("{\"message\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"y\"}]}"));
    }

    @Test
    void theFingerprintIsThatOfTheJsonValue() throws ApiError {
        String a = fingerprint("{\"message\":\"pay\",\"temperature\":0.5,\"x\":{\"b\":[1,2],\"a\":null}}");
        assertEquals(a, fingerprint(" {\"x\":{\"a\":null,\"b\":[1.0,2]},\"temperature\":5e-1,"
                + "\"message\":\"p\\u0061y\"}"));
        for (String other : List.of("{\"message\":\"pay\",\"temperature\":0.5,\"x\":{\"b\":[2,1],\"a\":null}}",
                "{\"message\":\"pay\",\"temperature\":0.5,\"x\":{\"b\":[1,2],\"a\":false}}",
                "{\"message\":\"pay\",\"temperature\":0.5,\"x\":{\"b\":[1,2],\"a\":\"null\"}}",
                "{\"message\":\"pay\",\"temperature\":0.5,\"x\":{\"b\":[1,2]}}",
                "{\"message\":\"pay\",\"temperature\":0.5,\"x\":{\"b\":[\"1\",2],\"a\":null}}",
                "{\"message\":\"pay\",\"temperature\":0.5,\"x\":{\"b\":[[1],2],\"a\":null}}",
                "{\"message\":\"pay \",\"temperature\":0.5,\"x\":{\"b\":[1,2],\"a\":null}}")) {
            assertNotEquals(a, fingerprint(other), other);
        }
        assertEquals(PARSER.readQuery(Map.of("prompt", new String[] {"hi"})).fingerprint(),
                PARSER.readQuery(Map.of("prompt", new String[] {"hi"})).fingerprint());
        assertNotEquals(PARSER.readQuery(Map.of("prompt", new String[] {"hi"})).fingerprint(),
                PARSER.readQuery(Map.of("prompt", new String[] {"hi"}, "model", new String[] {"m"})).fingerprint());
    }

    private static String fingerprint(String body) throws ApiError {
        return PARSER.read(body.getBytes(StandardCharsets.UTF_8)).fingerprint();
    }
}
