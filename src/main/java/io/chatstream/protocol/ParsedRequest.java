package io.chatstream.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.ChatRequest;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A request as parsed, with its fingerprint: what tells a retry of a request (the same {@code Idempotency-Key}, the
 * same body) from a mistake (the same key, another body: 422).
 *
 * <p>Two bodies are the same when they hold the same JSON value: whitespace, the order of an object's members, how
 * a string is escaped and how a number is written ({@code 0.5}, {@code 0.50}, {@code 5e-1}) do not count; every
 * member does, including those the server ignores, since the fingerprint must not depend on which fields this
 * version reads. So a client that serialises the same object again is retrying, and any change a person could see in
 * the body is another request. The fingerprint is a SHA-256 of a canonical form, computed only when asked for.
 */
public final class ParsedRequest {

    private final ChatRequest request;
    private final JsonNode body;
    private volatile String fingerprint;

    ParsedRequest(ChatRequest request, JsonNode body) {
        this.request = Objects.requireNonNull(request, "request");
        this.body = Objects.requireNonNull(body, "body");
    }

    public ChatRequest request() {
        return request;
    }

    /** The SHA-256 of the body's canonical form, base64url. Equal for equal JSON values. */
    public String fingerprint() {
        String f = fingerprint;
        if (f == null) {
            f = fingerprintOf(body);
            fingerprint = f;
        }
        return f;
    }

    /**
     * The SHA-256 of {@code value}'s canonical form, base64url: the same hashing for every request that takes an
     * {@code Idempotency-Key}, whatever its path (a conversation's send wraps its path and body in one value).
     */
    public static String fingerprintOf(JsonNode value) {
        StringBuilder canonical = new StringBuilder();
        write(value, canonical);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(canonical.toString()));
    }

    /**
     * The canonical form: members sorted by name, strings length-prefixed (so no escaping is needed and none can be
     * confused with structure), numbers as their exact decimal value without trailing zeros.
     */
    private static void write(JsonNode node, StringBuilder out) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<String> names = new ArrayList<>(node.size());
                node.fieldNames().forEachRemaining(names::add);
                Collections.sort(names);
                out.append('{');
                for (String name : names) {
                    string(name, out);
                    write(node.get(name), out);
                }
                out.append('}');
            }
            case ARRAY -> {
                out.append('[');
                for (JsonNode item : node) {
                    write(item, out);
                }
                out.append(']');
            }
            case STRING -> string(node.textValue(), out);
            case NUMBER -> out.append('n').append(number(node)).append(';');
            case BOOLEAN -> out.append(node.booleanValue() ? 't' : 'f');
            default -> out.append('0'); // null; the parser yields no other node type
        }
    }

    private static void string(String s, StringBuilder out) {
        out.append('s').append(s.length()).append(':').append(s);
    }

    private static String number(JsonNode n) {
        if (n.isIntegralNumber()) {
            return n.bigIntegerValue().toString();
        }
        double d = n.doubleValue();
        if (n.isDouble() && !Double.isFinite(d)) {
            return Double.toString(d); // 1e999 reads as Infinity: no decimal value to give
        }
        BigDecimal value = n.isDouble() ? BigDecimal.valueOf(d) : n.decimalValue();
        return value.signum() == 0 ? "0" : value.stripTrailingZeros().toString();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
