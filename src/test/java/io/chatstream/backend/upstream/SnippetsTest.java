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
