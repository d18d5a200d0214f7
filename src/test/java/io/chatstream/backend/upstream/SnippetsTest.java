package io.chatstream.backend.upstream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnippetsTest {

    @Test
    void oneLineWithoutControlCharacters() {
        assertEquals("a b c", Snippets.of("a\n\n b\r\n\tc\u0000"));
    }

    @Test
    void cutToTheLimit() {
        String s = Snippets.of("x".repeat(1000));
        assertEquals(Snippets.MAX_CHARS + 3, s.length());
        assertTrue(s.endsWith("..."));
    }

    @Test
    void anHtmlPageBecomesItsTitleOrFirstHeadingOrItsWords() {
        assertEquals("Gateway down", Snippets.of("<!doctype html><html><head><title> Gateway\n down </title></head>"
                + "<body><h1>other</h1></body></html>"));
        assertEquals("Bad things & worse", Snippets.of("<html><body><h2>Bad <em>things</em> &amp; worse</h2></html>"));
        assertEquals("plain words, a cut", Snippets.of("<html><body><p>plain words,</p><p>a cut</p><p class=\"x"));
        assertEquals("a < b and c > d", Snippets.of("a < b and c > d"), "text with angle brackets is no page");
    }

    @Test
    void secretAndKeyShapedTextAreMasked() {
        String key = "sk-test-0123456789abcdef";
        String m = Snippets.redact("Incorrect API key provided: " + key + " and sk-proj-****cdef, "
                + "Bearer abc.def-123 and my-private-token", "my-private-token");
        assertFalse(m.contains(key), m);
        assertFalse(m.contains("cdef"), m);
        assertFalse(m.contains("abc.def-123"), m);
        assertFalse(m.contains("my-private-token"), m);
        assertTrue(m.startsWith("Incorrect API key provided: "), m);
    }
}
