package io.chatstream.backend.upstream;

import java.util.regex.Pattern;

/** Short, one-line, secret-free excerpts of what an upstream sent, for error messages. */
public final class Snippets {

    /** How much of an upstream's text an error message quotes. */
    public static final int MAX_CHARS = 200;

    /** Things shaped like keys that providers echo back, masked or not: {@code sk-proj-****abcd}, bearer tokens. */
    private static final Pattern KEY_LIKE =
            Pattern.compile("(?i)\\b(sk-|bearer\\s+|api[_-]?key[\"'=:\\s]+)[A-Za-z0-9._*\\-]{4,}");

    private Snippets() {
    }

    /** {@code text} on one line, control characters and runs of whitespace made one space, cut to {@link #MAX_CHARS}. */
    public static String of(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(text.length(), MAX_CHARS + 1));
        boolean space = false;
        for (int i = 0; i < text.length() && b.length() < MAX_CHARS; ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                space = b.length() > 0;
                continue;
            }
            if (space) {
                b.append(' ');
                space = false;
            }
            b.appendCodePoint(c);
            if (b.length() >= MAX_CHARS && i < text.length()) {
                b.append("...");
            }
        }
        return b.toString();
    }

    /** {@code message} with every occurrence of {@code secret}, and anything shaped like a key, masked. */
    public static String redact(String message, String secret) {
        String m = message;
        if (secret != null && !secret.isEmpty()) {
            m = m.replace(secret, "***");
        }
        return KEY_LIKE.matcher(m).replaceAll("$1***");
    }
}
