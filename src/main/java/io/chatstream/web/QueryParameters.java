package io.chatstream.web;

import io.chatstream.protocol.ApiError;
import jakarta.servlet.http.HttpServletRequest;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The query parameters of a request, decoded strictly and the same way in every container: {@code +} is a space,
 * {@code %XX} a byte, the bytes UTF-8. A query that breaks any of that is the client's error, a 400 that says so.
 *
 * <p>Containers differ here: Jetty 12 and Tomcat 11 throw from {@code getParameter} for a bad escape, Tomcat 10.1
 * drops the parameter without a word (so {@code ?prompt=%zz} read as a missing prompt) and decodes invalid UTF-8 to
 * U+FFFD. Reading {@code getQueryString()} ourselves also never reads a form body, which {@code getParameter} does.
 */
final class QueryParameters {

    private static final ApiError UNDECODABLE = ApiError.invalid(
            "The query string cannot be decoded: use %-escapes of UTF-8 bytes.");

    private final Map<String, List<String>> values;

    private QueryParameters(Map<String, List<String>> values) {
        this.values = values;
    }

    /** The parameters of {@code req}'s query string. */
    static QueryParameters of(HttpServletRequest req) throws ApiError {
        return parse(req.getQueryString());
    }

    /** Parses a raw (still %-encoded) query string; null or empty is no parameter. */
    static QueryParameters parse(String query) throws ApiError {
        Map<String, List<String>> values = new LinkedHashMap<>();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&", -1)) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                values.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
            }
        }
        return new QueryParameters(values);
    }

    /** The first value of {@code name}, or null. */
    String get(String name) {
        List<String> v = values.get(name);
        return v == null ? null : v.get(0);
    }

    /** Every parameter with all its values, in the order of the query. */
    Map<String, String[]> asMap() {
        Map<String, String[]> map = new LinkedHashMap<>();
        values.forEach((k, v) -> map.put(k, v.toArray(new String[0])));
        return Collections.unmodifiableMap(map);
    }

    private static String decode(String s) throws ApiError {
        StringBuilder out = new StringBuilder(s.length());
        ByteBuffer escaped = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw UNDECODABLE;
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw UNDECODABLE;
                }
                if (escaped == null) {
                    escaped = ByteBuffer.allocate(s.length() / 3);
                }
                escaped.put((byte) (hi << 4 | lo));
                i += 2;
                continue;
            }
            if (c < ' ' || c == 0x7f) {
                throw UNDECODABLE; // control characters are never sent unescaped
            }
            if (escaped != null && escaped.position() > 0) {
                utf8(escaped, out);
            }
            // a container passes other characters on as sent: a client that sent UTF-8 unescaped meant them
            out.append(c == '+' ? ' ' : c);
        }
        if (escaped != null && escaped.position() > 0) {
            utf8(escaped, out);
        }
        return out.toString();
    }

    /** Decodes the escaped bytes collected so far, strictly, onto {@code out}, and empties the buffer. */
    private static void utf8(ByteBuffer escaped, StringBuilder out) throws ApiError {
        escaped.flip();
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(escaped);
            out.append(chars);
        } catch (CharacterCodingException e) {
            throw UNDECODABLE;
        }
        escaped.clear();
    }
}
