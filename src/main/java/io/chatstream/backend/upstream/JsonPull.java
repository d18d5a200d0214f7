package io.chatstream.backend.upstream;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * Pulls the few fields a decoder needs out of one streamed event's JSON object, from its bytes, with no tree and no
 * parser per event: one Jackson non-blocking parser lives as long as the body and is fed each event's bytes in turn
 * (a body is a sequence of root-level objects to it; it is renewed after each
 * {@value #RENEW_AFTER_BYTES} bytes, see there). Field names come from the parser's symbol table, so a known
 * name costs no allocation; a string is made only when a decoder asks for it ({@link #string()}), and
 * {@link #stringIs} compares a value without making one.
 *
 * <p>Use, for each event: {@link #begin} (the event must be one whole JSON object), then {@link #nextField()} /
 * {@link #value()} and the readers, descending with {@link #enterObject()} and {@link #enterArray()}, skipping with
 * {@link #skip()}, then {@link #end()}. Anything that is not JSON, an event that is not exactly one object, and a
 * value cut short is an {@link UpstreamException}; after one, the instance must not be used again.
 *
 * <p>Not thread-safe: one body, one thread at a time.
 */
public final class JsonPull {

    /**
     * After this many bytes the parser is replaced (between events): its symbol table keeps every distinct field name
     * it saw, so an upstream sending ever new names must not grow it for the whole of a long stream.
     */
    static final long RENEW_AFTER_BYTES = 1024 * 1024;

    private JsonParser parser;
    private ByteArrayFeeder feeder;
    private long fed;
    private byte[] event;
    private int eventLength;

    public JsonPull() {
        renew();
    }

    private void renew() {
        try {
            parser = Json.MAPPER.getFactory().createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException("Jackson makes a non-blocking byte parser without I/O", e);
        }
        feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
        fed = 0;
    }

    /**
     * Starts on an event: {@code length} bytes of {@code data}, which must not change until {@link #end()}.
     *
     * @throws UpstreamException the bytes do not start a JSON object
     */
    public void begin(byte[] data, int length) {
        this.event = data;
        this.eventLength = length;
        if (fed > RENEW_AFTER_BYTES) {
            renew();
        }
        fed += length;
        try {
            feeder.feedInput(data, 0, length);
        } catch (IOException e) {
            throw notJson();
        }
        if (next() != JsonToken.START_OBJECT) {
            throw notJson();
        }
    }

    /**
     * After the event's object was read to its end: checks nothing but blanks follows it.
     *
     * @throws UpstreamException more than one value in the event
     */
    public void end() {
        JsonToken t;
        try {
            t = parser.nextToken();
        } catch (IOException e) {
            throw notJson();
        }
        if (t != JsonToken.NOT_AVAILABLE) {
            throw notJson();
        }
        event = null;
    }

    /** Moves to the next field name of the current object: true, or false at the object's end. */
    public boolean nextField() {
        JsonToken t = next();
        if (t == JsonToken.FIELD_NAME) {
            return true;
        }
        if (t == JsonToken.END_OBJECT) {
            return false;
        }
        throw notJson();
    }

    /** The name of the current field, the same instance each time for a name seen before. */
    public String field() {
        try {
            return parser.currentName();
        } catch (IOException e) {
            throw notJson();
        }
    }

    /** Moves to the current field's value, or to the next element of an array; returns its token. */
    public JsonToken value() {
        return next();
    }

    /** Moves to the next element of the current array: true, positioned on it, or false at the array's end. */
    public boolean nextElement() {
        return next() != JsonToken.END_ARRAY;
    }

    /** After {@link #value()}: true when the value is an object, now entered; else the value is skipped. */
    public boolean isObject() {
        if (parser.currentToken() == JsonToken.START_OBJECT) {
            return true;
        }
        skip();
        return false;
    }

    /** Moves to the field's value: true when it is an object (now entered), else skips the value. */
    public boolean enterObject() {
        value();
        return isObject();
    }

    /** Moves to the field's value: true when it is an array (now entered), else skips the value. */
    public boolean enterArray() {
        if (value() == JsonToken.START_ARRAY) {
            return true;
        }
        skip();
        return false;
    }

    /** Skips the current value, with everything inside it when it is an object or array. */
    public void skip() {
        JsonToken t = parser.currentToken();
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            try {
                parser.skipChildren();
            } catch (IOException e) {
                throw notJson();
            }
        }
    }

    /** Moves to the field's value and skips it. */
    public void skipValue() {
        value();
        skip();
    }

    /** Moves to the field's value: its text when it is a string, else null (and the value is skipped). */
    public String string() {
        if (value() == JsonToken.VALUE_STRING) {
            try {
                return parser.getText();
            } catch (IOException e) {
                throw notJson();
            }
        }
        skip();
        return null;
    }

    /** Moves to the field's value: true when it is the string {@code expected}; compared without making one. */
    public boolean stringIs(String expected) {
        if (value() != JsonToken.VALUE_STRING) {
            skip();
            return false;
        }
        return currentStringIs(expected);
    }

    /** True when the current value is the string {@code expected}; compared without making one. */
    public boolean currentStringIs(String expected) {
        try {
            int length = parser.getTextLength();
            if (length != expected.length()) {
                return false;
            }
            char[] chars = parser.getTextCharacters();
            int offset = parser.getTextOffset();
            for (int i = 0; i < length; i++) {
                if (chars[offset + i] != expected.charAt(i)) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            throw notJson();
        }
    }

    /** Moves to the field's value: true for {@code true}, false for anything else (skipped). */
    public boolean bool() {
        JsonToken t = value();
        skip();
        return t == JsonToken.VALUE_TRUE;
    }

    /** Moves to the field's value: it as a whole number when it is one (or a string of one), else {@code fallback}. */
    public long number(long fallback) {
        JsonToken t = value();
        try {
            if (t == JsonToken.VALUE_NUMBER_INT) {
                return parser.getLongValue();
            }
            if (t == JsonToken.VALUE_STRING) {
                return parser.getValueAsLong(fallback);
            }
        } catch (IOException e) {
            return fallback; // a count too large for a long: treated as unknown
        }
        skip();
        return fallback;
    }

    /** Moves to the field's value and writes it out as compact JSON text, whatever its type. */
    public String valueAsJson() {
        value();
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = Json.MAPPER.getFactory().createGenerator(out)) {
            generator.copyCurrentStructure(parser);
        } catch (IOException e) {
            throw notJson();
        }
        return out.toString();
    }

    private JsonToken next() {
        JsonToken t;
        try {
            t = parser.nextToken();
        } catch (IOException e) {
            throw notJson();
        }
        if (t == null || t == JsonToken.NOT_AVAILABLE) {
            throw notJson(); // the event's bytes ran out inside the value
        }
        return t;
    }

    private UpstreamException notJson() {
        String text = event == null ? "" : new String(event, 0, eventLength, StandardCharsets.UTF_8);
        event = null;
        return UpstreamException.malformed(text.isBlank() ? "it sent an empty event where JSON was expected"
                : "it sent something that is not a JSON object: " + Snippets.of(text));
    }
}
