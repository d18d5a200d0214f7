package io.chatstream.backend.upstream;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Short, one-line, secret-free excerpts of what an upstream sent, for error messages that people read: words, never
 * markup. An HTML page (gateways and proxies answer with those) is reduced to its title, else its first heading,
 * else its text without tags; entities are decoded.
 */
public final class Snippets {

    /** How much of an upstream's text an error message quotes. */
    public static final int MAX_CHARS = 200;

    /** How much of a text is looked at, whatever its size. */
    private static final int MAX_SCANNED = 16 * 1024;

    /** A tag of HTML proper: what tells a page from text that merely holds a {@code <}. */
    private static final Pattern HTML_TAG = Pattern.compile("(?i)</?(?:!doctype|html|head|body|title|h[1-6]|p|div"
            + "|span|br|hr|pre|center|a|b|i|em|strong|table|tr|td|ul|ol|li|script|style|meta|link|address|noscript)"
            + "\\b[^<>]*>");
    private static final Pattern TITLE = Pattern.compile("(?is)<title\\b[^>]*>(.*?)</title\\s*>");
    private static final Pattern HEADING = Pattern.compile("(?is)<h([1-6])\\b[^>]*>(.*?)</h\\1\\s*>");
    private static final Pattern HIDDEN = Pattern.compile("(?is)<(head|script|style|noscript)\\b[^>]*>.*?</\\1\\s*>"
            + "|<!--.*?-->");
    /** Any tag, comment or declaration; and a tag cut off at the end (a body read only in part). */
    private static final Pattern ANY_TAG =
            Pattern.compile("(?s)<!--.*?-->|<[!?/]?[A-Za-z][^<>]*>|<[!?/]?[A-Za-z][^<>]*$");
    private static final Pattern INLINE_TAG =
            Pattern.compile("(?i)</?(?:a|b|i|u|s|em|strong|span|code|small|big|sub|sup|abbr|font|tt|kbd|mark)\\b");
    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,6});");

    /** Things shaped like keys that providers echo back, masked or not: {@code sk-proj-****abcd}, bearer tokens. */
    private static final Pattern KEY_LIKE =
            Pattern.compile("(?i)\\b(sk-|bearer\\s+|api[_-]?key[\"'=:\\s]+)[A-Za-z0-9._*\\-]{4,}");

    private Snippets() {
    }

    /**
     * {@code text} as words on one line: an HTML page reduced to its title or first heading (or its text), control
     * characters and runs of whitespace made one space, cut to {@link #MAX_CHARS}.
     */
    public static String of(String text) {
        if (text == null) {
            return "";
        }
        if (text.length() > MAX_SCANNED) {
            text = text.substring(0, MAX_SCANNED); // a page's title and first heading come early; the rest is cut
        }
        if (HTML_TAG.matcher(text).find()) {
            text = pageText(text);
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

    /** What a person would read of an HTML page in a few words: its title, else its first heading, else its text. */
    static String pageText(String html) {
        Matcher title = TITLE.matcher(html);
        if (title.find()) {
            String t = words(title.group(1));
            if (!t.isBlank()) {
                return t;
            }
        }
        String visible = HIDDEN.matcher(html).replaceAll(" ");
        Matcher heading = HEADING.matcher(visible);
        if (heading.find()) {
            String h = words(heading.group(2));
            if (!h.isBlank()) {
                return h;
            }
        }
        return words(visible);
    }

    /** A fragment of HTML as text: tags out, entities decoded, and tags out again (an escaped tag is still one). */
    private static String words(String fragment) {
        String text = withoutTags(fragment);
        text = ENTITY.matcher(text).replaceAll(m -> Matcher.quoteReplacement(entity(m.group(1), m.group())));
        return withoutTags(text).strip();
    }

    /** Tags out: a tag inside a line of text ({@code <b>}) leaves nothing, any other a space. */
    private static String withoutTags(String s) {
        return ANY_TAG.matcher(s).replaceAll(m -> INLINE_TAG.matcher(m.group()).lookingAt() ? "" : " ");
    }

    private static String entity(String name, String whole) {
        try {
            if (name.startsWith("#x") || name.startsWith("#X")) {
                return codePoint(Integer.parseInt(name.substring(2), 16), whole);
            }
            if (name.startsWith("#")) {
                return codePoint(Integer.parseInt(name.substring(1)), whole);
            }
        } catch (NumberFormatException e) {
            return whole; // more digits than any code point has: left as written
        }
        return switch (name) {
            case "amp" -> "&";
            case "lt" -> "<";
            case "gt" -> ">";
            case "quot" -> "\"";
            case "apos" -> "'";
            case "nbsp" -> " ";
            default -> whole;
        };
    }

    private static String codePoint(int cp, String whole) {
        return Character.isValidCodePoint(cp) ? new String(Character.toChars(cp)) : whole;
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
