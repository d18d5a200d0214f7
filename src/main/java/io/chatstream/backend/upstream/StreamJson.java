package io.chatstream.backend.upstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.core.io.NumberInput;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Reads the many small JSON documents of one upstream body (an event's data, an NDJSON line) with one reused,
 * non-blocking Jackson parser, token by token: no tree per event, field names interned by the parser's symbol table,
 * unknown values skipped in place. What a decoder takes out of a document costs only the strings it keeps.
 *
 * <p>Use: {@link #begin} a document (or {@link #beginObject}, for dialects whose every event must be one JSON
 * object), walk it with {@link #next()} and the value readers, {@link #end()} it. Every failure, whatever Jackson
 * says, is an {@link UpstreamException} quoting the document ("not JSON", or "not a JSON object" after
 * {@link #beginObject}); so is a document cut short or followed by more than whitespace. After a failure the next
 * {@link #begin} starts on a fresh parser. {@link #asLong()}, {@link #asInt()} and {@link #intOrNull()} follow the
 * lenient conversions of {@link JsonNode} ({@code asLong}, {@code asInt}, {@code canConvertToInt}) so that a decoder
 * reads a value the way it did from a tree; {@link #longOr} takes whole numbers only.
 *
 * <p>The parser is renewed between documents after each {@value #RENEW_AFTER_BYTES} bytes: its symbol table keeps
 * every distinct field name it saw, so an upstream sending ever new names must not grow it for the whole of a long
 * stream.
 *
 * <p>Not thread-safe: one body, one thread at a time. {@link #close()} hands the parser's buffers back.
 */
public final class StreamJson implements AutoCloseable {

    /**
     * A factory of its own: names an upstream invents stay in this factory's symbol table, never in the one of
     * {@link Json#MAPPER}, which reads the clients' requests.
     */
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final int SHRINK_ABOVE = 64 * 1024;

    /** Bytes read by one parser before it is replaced, between two documents. */
    static final long RENEW_AFTER_BYTES = 1024 * 1024;

    private JsonParser parser;
    private ByteArrayFeeder feeder;
    private byte[] buffer = new byte[512];
    private int length;
    private boolean between = true;
    private long fed;
    private boolean objectsOnly;

    /**
     * Starts reading the document in {@code bytes[offset..offset+n)}.
     *
     * @return its first token, or null when the bytes hold only whitespace
     * @throws UpstreamException it does not start as JSON
     */
    public JsonToken begin(byte[] bytes, int offset, int n) {
        objectsOnly = false;
        return start(bytes, offset, n);
    }

    /**
     * Starts reading the document in {@code bytes[offset..offset+n)}, which must be one JSON object; positioned on
     * its {@code START_OBJECT}.
     *
     * @throws UpstreamException it is blank, or does not start as a JSON object
     */
    public void beginObject(byte[] bytes, int offset, int n) {
        objectsOnly = true;
        JsonToken first = start(bytes, offset, n);
        if (first == null) {
            throw UpstreamException.malformed("it sent an empty event where JSON was expected");
        }
        if (first != JsonToken.START_OBJECT) {
            throw notJson();
        }
    }

    private JsonToken start(byte[] bytes, int offset, int n) {
        if (parser == null || !between || fed > RENEW_AFTER_BYTES) {
            reset();
        }
        fed += n;
        if (n + 1 > buffer.length) {
            buffer = new byte[Math.max(n + 1, 2 * buffer.length)];
        }
        System.arraycopy(bytes, offset, buffer, 0, n);
        buffer[n] = '\n'; // ends a number or keyword at the document's end, which a streaming parser would wait on
        length = n;
        between = false;
        try {
            feeder.feedInput(buffer, 0, n + 1);
            JsonToken first = parser.nextToken();
            if (first == JsonToken.NOT_AVAILABLE) {
                between = true;
                return null;
            }
            return first;
        } catch (IOException e) {
            throw notJson();
        }
    }

    /** The next token of the document. */
    public JsonToken next() {
        try {
            JsonToken t = parser.nextToken();
            if (t == JsonToken.NOT_AVAILABLE || t == null) {
                throw notJson();
            }
            return t;
        } catch (IOException e) {
            throw notJson();
        }
    }

    /** The document was read to its last token: nothing but whitespace may follow. */
    public void end() {
        try {
            if (parser.nextToken() != JsonToken.NOT_AVAILABLE) {
                throw notJson();
            }
        } catch (IOException e) {
            throw notJson();
        }
        between = true;
        if (buffer.length > SHRINK_ABOVE) {
            buffer = new byte[512]; // one long document must not pin its copy for the rest of the body
            reset(); // nor the parser its text buffer
        }
    }

    /** The current token. */
    public JsonToken token() {
        return parser.currentToken();
    }

    /** The name of the current field, interned by the parser. */
    public String name() {
        try {
            return parser.currentName();
        } catch (IOException e) {
            throw notJson();
        }
    }

    /**
     * Whether the current value is an object, for the caller to read; any other value is skipped, so that a field of
     * the wrong type reads as absent.
     */
    public boolean objectOrSkip() {
        return isOrSkip(JsonToken.START_OBJECT);
    }

    /** Whether the current value is an array, for the caller to read; any other value is skipped. */
    public boolean arrayOrSkip() {
        return isOrSkip(JsonToken.START_ARRAY);
    }

    private boolean isOrSkip(JsonToken start) {
        if (parser.currentToken() == start) {
            return true;
        }
        skip();
        return false;
    }

    /** Skips the current value, with all it holds when it is an object or array. */
    public void skip() {
        try {
            parser.skipChildren();
        } catch (IOException e) {
            throw notJson();
        }
    }

    /** The current value when it is a string, else null (the value is skipped). */
    public String text() {
        try {
            if (parser.currentToken() == JsonToken.VALUE_STRING) {
                return parser.getText();
            }
            parser.skipChildren();
            return null;
        } catch (IOException e) {
            throw notJson();
        }
    }

    /** True when the current value is the string {@code expected}; compared in place, nothing decoded to a String. */
    public boolean textEquals(String expected) {
        try {
            if (parser.currentToken() != JsonToken.VALUE_STRING || parser.getTextLength() != expected.length()) {
                return false;
            }
            char[] chars = parser.getTextCharacters();
            int offset = parser.getTextOffset();
            for (int i = 0; i < expected.length(); i++) {
                if (chars[offset + i] != expected.charAt(i)) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            throw notJson();
        }
    }

    /** True when the current value is JSON {@code null}. */
    public boolean isNull() {
        return parser.currentToken() == JsonToken.VALUE_NULL;
    }

    /** The current value as {@link JsonNode#asLong()} reads it: numbers, numeric text, booleans; else 0. */
    public long asLong() {
        try {
            return switch (parser.currentToken()) {
                case VALUE_NUMBER_INT -> parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? parser.getBigIntegerValue().longValue() : parser.getLongValue();
                case VALUE_NUMBER_FLOAT -> (long) parser.getDoubleValue();
                case VALUE_STRING -> NumberInput.parseAsLong(parser.getText(), 0L);
                case VALUE_TRUE -> 1L;
                case START_OBJECT, START_ARRAY -> {
                    parser.skipChildren();
                    yield 0L;
                }
                default -> 0L;
            };
        } catch (IOException e) {
            throw notJson();
        }
    }

    /** The current value as {@link JsonNode#asInt(int)} reads it with default 0. */
    public int asInt() {
        try {
            return switch (parser.currentToken()) {
                case VALUE_NUMBER_INT -> parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? parser.getBigIntegerValue().intValue() : (int) parser.getLongValue();
                case VALUE_NUMBER_FLOAT -> (int) parser.getDoubleValue();
                case VALUE_STRING -> NumberInput.parseAsInt(parser.getText(), 0);
                case VALUE_TRUE -> 1;
                case START_OBJECT, START_ARRAY -> {
                    parser.skipChildren();
                    yield 0;
                }
                default -> 0;
            };
        } catch (IOException e) {
            throw notJson();
        }
    }

    /** The current value when it is a number that {@link JsonNode#canConvertToInt()}, else null (skipped). */
    public Integer intOrNull() {
        try {
            switch (parser.currentToken()) {
                case VALUE_NUMBER_INT -> {
                    if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                        BigInteger v = parser.getBigIntegerValue();
                        return v.bitLength() < 32 ? v.intValue() : null;
                    }
                    long v = parser.getLongValue();
                    return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? (int) v : null;
                }
                case VALUE_NUMBER_FLOAT -> {
                    double v = parser.getDoubleValue();
                    return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? (int) v : null;
                }
                default -> {
                    parser.skipChildren();
                    return null;
                }
            }
        } catch (IOException e) {
            throw notJson();
        }
    }

    /**
     * The current value when it is a whole number that fits a {@code long}, or a string of one; else
     * {@code fallback} (the value is skipped). Counts that are absurdly large are thus unknown rather than wrong.
     */
    public long longOr(long fallback) {
        try {
            switch (parser.currentToken()) {
                case VALUE_NUMBER_INT -> {
                    return parser.getLongValue();
                }
                case VALUE_STRING -> {
                    return parser.getValueAsLong(fallback);
                }
                default -> {
                    parser.skipChildren();
                    return fallback;
                }
            }
        } catch (IOException e) {
            return fallback; // a count too large for a long: treated as unknown
        }
    }

    /** The current value, whatever its type, as compact JSON text copied token by token. */
    public String valueAsJson() {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            generator.copyCurrentStructure(parser);
        } catch (IOException e) {
            throw notJson();
        }
        return out.toString();
    }

    /** The current value as a tree, for the rare parts a decoder passes on whole (tool-call arguments). */
    public JsonNode tree() {
        try {
            return Json.MAPPER.readTree(parser);
        } catch (IOException e) {
            throw notJson();
        }
    }

    /** The whole current document as a tree, read again from its bytes: for error objects, which are rare. */
    public JsonNode document() {
        return Json.parse(new String(buffer, 0, length, StandardCharsets.UTF_8));
    }

    /** The current document is not JSON: the exception that says so, quoting it. */
    public UpstreamException notJson() {
        between = false;
        String what = objectsOnly ? "a JSON object" : "JSON";
        return UpstreamException.malformed("it sent something that is not " + what + ": " + Snippets.of(new String(buffer, 0, length, StandardCharsets.UTF_8)));
    }

    /** Hands the parser's buffers back; a later {@link #begin} starts a new parser. */
    @Override
    public void close() {
        if (parser != null) {
            try {
                parser.close();
            } catch (IOException e) {
                throw new IllegalStateException("closing a parser of a byte array does no I/O", e);
            }
            parser = null;
            feeder = null;
        }
        between = true;
    }

    private void reset() {
        close();
        try {
            parser = FACTORY.createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException("a parser of a byte array is made without I/O", e);
        }
        feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
        fed = 0;
    }

    @Override
    public String toString() {
        return "StreamJson[" + (parser == null ? "idle" : between ? "between documents" : "in a document") + "]";
    }
}
