package io.chatstream.stream;

import io.chatstream.app.ChatApplication;
import io.chatstream.config.Settings;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SecretMasker}: whole texts, and texts in pieces split at every position, compared byte for byte. */
class SecretMaskerTest {

    private static final String KEY = "sk-proj-Zq81vXw0LmT4hJ6nR2cY9bE5";
    private static final String OTHER = "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY";
    private static final SecretMasker ONE = SecretMasker.of(List.of(KEY));
    private static final SecretMasker TWO = SecretMasker.of(List.of(KEY, OTHER));

    /** Texts with the key where it is hardest to see; each with its exact masked form. */
    private static final String[][] CASES = {
        {KEY, "***"},
        {KEY + " starts it", "*** starts it"},
        {"it ends with " + KEY, "it ends with ***"},
        {"Bearer " + KEY + "\n", "Bearer ***\n"},
        {"sk-" + KEY + "!", "sk-***!"},
        {"sk-sk-sk-proj-" + KEY.substring(8), "sk-sk-***"},
        {"sk-proj-Zq81" + "sk-proj-Zq81vXw0" + KEY, "sk-proj-Zq81sk-proj-Zq81vXw0***"},
        {KEY + KEY, "******"},
        {KEY.substring(0, KEY.length() - 1) + " almost", KEY.substring(0, KEY.length() - 1) + " almost"},
        {"é😀" + KEY + "😀ü", "é😀***😀ü"},
        {"\u0000" + KEY + "\u2028", "\u0000***\u2028"},
        {"tools " + OTHER + " and " + KEY + " s", "tools *** and *** s"},
        {"no secret at all, but many s and sk- and sk-proj", "no secret at all, but many s and sk- and sk-proj"},
    };

    @Test
    void wholeTextsAreMaskedExactly() {
        for (String[] c : CASES) {
            assertBytes(c[1], TWO.mask(c[0]), c[0]);
        }
        String clean = "nothing here";
        assertSame(clean, TWO.mask(clean), "a text without a key is passed on as it is");
        assertEquals(null, TWO.mask(null));
    }

    @Test
    void aKeySplitAtEveryPositionAcrossTwoPiecesIsMasked() {
        for (String[] c : CASES) {
            String text = c[0];
            for (int i = 0; i <= text.length(); i++) {
                List<String> pieces = List.of(text.substring(0, i), text.substring(i));
                assertBytes(c[1], streamed(TWO, pieces), pieces.toString());
            }
        }
    }

    @Test
    void aKeySplitAtEveryPairOfPositionsAcrossThreePiecesIsMasked() {
        for (String[] c : CASES) {
            String text = c[0];
            for (int i = 0; i <= text.length(); i++) {
                for (int j = i; j <= text.length(); j++) {
                    List<String> pieces = List.of(text.substring(0, i), text.substring(i, j), text.substring(j));
                    assertBytes(c[1], streamed(TWO, pieces), pieces.toString());
                }
            }
        }
    }

    @Test
    void oneCharacterAtATimeToo() {
        for (String[] c : CASES) {
            List<String> pieces = new ArrayList<>();
            c[0].codePoints().forEach(cp -> pieces.add(new String(Character.toChars(cp))));
            assertBytes(c[1], streamed(TWO, pieces), c[0]);
        }
    }

    @Test
    void onlyWhatCouldStartAKeyIsHeldBackAndNeverMoreThanItsLengthLessOne() {
        SecretMasker.Text t = ONE.text();
        String plain = "The answer, plainly: 42.";
        assertSame(plain, t.next(plain), "a piece that neither holds nor ends like a key goes out as it is");
        assertFalse(t.holds());
        assertEquals("tool", t.next("tools"), "an 's' may start the key");
        assertTrue(t.holds());
        assertEquals("s are fine", t.next(" are fine"));
        assertFalse(t.holds());
        String start = KEY.substring(0, KEY.length() - 1);
        assertEquals("x", t.next("x" + start));
        assertEquals(KEY.length() - 1, start.length(), "held: at most the key's length less one");
        assertEquals(start + "!", t.next("!"), "not the key after all: out, unchanged");
        assertEquals("", t.finish());
        SecretMasker.Text end = ONE.text();
        assertEquals("ends with ", end.next("ends with sk-pro"));
        assertEquals("sk-pro", end.finish(), "at the end the held text goes out");
    }

    @Test
    void keysThatOverlapOrContainEachOtherAreMaskedAsOne() {
        String shortKey = "sk-abcdefgh";
        String longKey = "sk-abcdefgh-XYZ12345";
        SecretMasker m = SecretMasker.of(List.of(shortKey, longKey));
        String[][] cases = {
            {"a " + longKey + " b", "a *** b"},
            {"a " + shortKey + " b", "a *** b"},
            {"a " + shortKey + "-XYZ1 b", "a ***-XYZ1 b"},
        };
        for (String[] c : cases) {
            for (int i = 0; i <= c[0].length(); i++) {
                assertBytes(c[1], streamed(m, List.of(c[0].substring(0, i), c[0].substring(i))), c[0] + " at " + i);
            }
        }
        SecretMasker periodic = SecretMasker.of(List.of("abababab"));
        assertBytes("x***y", periodic.mask("xababababababy"), "overlapping occurrences of one key");
        for (int i = 0; i <= 14; i++) {
            String text = "xababababababy";
            assertBytes("x***y", streamed(periodic, List.of(text.substring(0, i), text.substring(i))), "at " + i);
        }
    }

    @Test
    void anEndlessRepeatOfAKeyIsHeldOnlySoLong() {
        SecretMasker m = SecretMasker.of(List.of("abababab"));
        SecretMasker.Text t = m.text();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            out.append(t.next("ab"));
            assertTrue(t.heldLength() <= 4 * 8 + 2, "held no more than a few key lengths: " + t.heldLength());
        }
        out.append(t.finish());
        assertFalse(out.toString().contains("ab"), out.toString());
    }

    @Test
    void placeholdersAndBlanksAreNoSecrets() {
        assertTrue(SecretMasker.of(List.of()).isEmpty());
        assertSame(SecretMasker.NONE, SecretMasker.of(Arrays.asList(null, "", "   ", "EMPTY", "ollama", "1234567")));
        SecretMasker m = SecretMasker.of(List.of("  " + KEY + "\n", KEY));
        assertEquals(1, m.size(), "trimmed and counted once");
        assertEquals("EMPTY ***", SecretMasker.of(List.of("EMPTY", KEY)).mask("EMPTY " + KEY));
    }

    @Test
    void theSecretsAreTheKeysTheBackendReadAndTheDemoReadsNone() {
        Settings settings = Settings.of(Map.of("chat.openai.api-key", KEY, "chat.gemini.api-key", " " + OTHER,
                "chat.auth.tokens", "tok-4b1f0c9e7a2d8e6f3c5a", "chat.openai.model", "m"));
        assertEquals(Set.of(), settings.apiKeysRead());
        settings.string("chat.openai.model", null);
        settings.string("chat.auth.tokens", null);
        settings.raw("chat.gemini.api-key");
        assertEquals(Set.of(OTHER), settings.apiKeysRead(), "only keys, as read, trimmed");
        try (ChatApplication demo = ChatApplication.start(Settings.of(Map.of("chat.openai.api-key", KEY)),
                List.of())) {
            assertTrue(demo.settings().apiKeysRead().isEmpty(), "the demo backend reads no key");
            // the registry's streams mask SecretMasker.of(the keys read)
            assertTrue(SecretMasker.of(demo.settings().apiKeysRead()).isEmpty(),
                    "so its streams have no masking path at all");
        }
    }

    /** The pieces through one {@link SecretMasker.Text}, then its finish, concatenated. */
    private static String streamed(SecretMasker m, List<String> pieces) {
        SecretMasker.Text t = m.text();
        StringBuilder out = new StringBuilder();
        for (String p : pieces) {
            String o = t.next(p);
            assertFalse(o.contains(KEY) || o.contains(OTHER), "a key went out in " + pieces);
            out.append(o);
        }
        out.append(t.finish());
        return out.toString();
    }

    private static void assertBytes(String expected, String actual, String what) {
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), actual.getBytes(StandardCharsets.UTF_8),
                what + ": expected <" + expected + "> but was <" + actual + ">");
    }
}
