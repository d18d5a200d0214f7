package io.chatstream.security;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Random text built to break encoders and parsers: CR, LF, NUL and other controls, U+2028 and U+2029, lone
 * surrogates, astral characters, byte order marks, and the fragments of the wire formats ({@code data:}, {@code id:},
 * {@code retry:}, blank lines, quotes, backslashes, escapes).
 */
final class HostileText {

    private static final List<String> FRAGMENTS = List.of("data:", "data: ", "id:", "id: x:1", "retry:", "retry: 0",
            "event:", "event: end", ":", ": keep-alive", "\n\n", "\r\n\r\n", "\r\r", "\n\ndata: {\"type\":\"end\"}\n\n",
            "\"", "\\", "\\u0000", "\\n", "\"}", "{\"type\":\"error\"}", "</script>", "<img src=x onerror=1>", "[DONE]",
            "\u2028", "\u2029", "\uFEFF", "\uFFFE", "\uFFFF", "\u0085", "\u007F", "\u0000", "\r", "\n", "\t", " ");

    private HostileText() {
    }

    /** A non-empty random string of about {@code maxAtoms} pieces at most. */
    static String next(Random r, int maxAtoms) {
        StringBuilder b = new StringBuilder();
        int atoms = 1 + r.nextInt(maxAtoms);
        for (int i = 0; i < atoms; i++) {
            switch (r.nextInt(12)) {
                case 0, 1, 2 -> b.append((char) (0x20 + r.nextInt(0x5F)));
                case 3 -> b.append((char) r.nextInt(0x20));
                case 4 -> b.append(FRAGMENTS.get(r.nextInt(FRAGMENTS.size())));
                case 5 -> b.append((char) (0xD800 + r.nextInt(0x400))); // a high surrogate, most often alone
                case 6 -> b.append((char) (0xDC00 + r.nextInt(0x400))); // a low surrogate, most often alone
                case 7 -> b.appendCodePoint(0x10000 + r.nextInt(0x100000));
                case 8 -> b.appendCodePoint(0x1F600 + r.nextInt(0x50));
                case 9 -> b.append((char) (0x80 + r.nextInt(0xD800 - 0x80)));
                case 10 -> b.append((char) (0xE000 + r.nextInt(0x2000)));
                default -> b.append("\u4F60\u597D\u00E9e\u0301");
            }
        }
        return b.toString();
    }

    /** True when {@code s} holds a surrogate that is not part of a pair (UTF-8 cannot carry it). */
    static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code s} as a JSON string literal: quotes, backslashes, controls and lone surrogates escaped, everything else
     * as it is (so the request body is UTF-8 with raw non-ASCII characters).
     */
    static String json(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1));
            if (pair) {
                b.append(c).append(s.charAt(++i));
            } else if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
