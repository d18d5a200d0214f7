package io.chatstream.backend.upstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.NumberInput;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.StringWriter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the many small JSON documents of one upstream body (an event's data, an NDJSON line) token by token, in
 * place: no tree per event, no copy of the document, strings decoded only when a decoder asks for them, unknown
 * values skipped by scanning their bytes. What a decoder takes out of a document costs only the strings it keeps.
 *
 * <p>Why not Jackson's parser: every document arrives whole (an event, a line), so the incremental machinery of a
 * non-blocking parser is pure cost, and a blocking parser is a new object graph per document. This reader applies
 * Jackson's default rules (strict RFC 8259: no comments, no leading zeros, no trailing commas, no unescaped control
 * characters in strings, well-formed UTF-8, nesting at most {@value #MAX_DEPTH} deep, numbers and names within
 * Jackson's default lengths) and reports {@link JsonToken}s, so a decoder reads exactly what it read from Jackson.
 * The rare parts passed on whole ({@link #valueAsJson()}, {@link #tree()}, {@link #document()}) are handed to
 * Jackson.
 *
 * <p>Use: {@link #begin} a document (or {@link #beginObject}, for dialects whose every event must be one JSON
 * object), walk it with {@link #next()} and the value readers, {@link #end()} it; the document's bytes must stay
 * unchanged until then. Every failure is an {@link UpstreamException} quoting the document ("not JSON", or "not a
 * JSON object" after {@link #beginObject}); so is a document cut short or followed by more than whitespace.
 * {@link #asLong()}, {@link #asInt()} and {@link #intOrNull()} follow the lenient conversions of {@link JsonNode}
 * ({@code asLong}, {@code asInt}, {@code canConvertToInt}) so that a decoder reads a value the way it did from a
 * tree; {@link #longOr} takes whole numbers only.
 *
 * <p>Field names repeat in every event, so the last {@value #NAME_SLOTS} short ones are kept and handed out again,
 * the same instance each time, rather than decoded anew; the table is bounded whatever names an upstream invents.
 *
 * <p>Not thread-safe: one body, one thread at a time. {@link #close()} lets go of the last document.
 */
public final class StreamJson implements AutoCloseable {

    /** For the rare parts read by Jackson; a factory of its own, apart from {@link Json#MAPPER}'s. */
    private static final JsonFactory FACTORY = new JsonFactory();

    /** Jackson's default bounds, so that a document is refused here exactly when Jackson refuses it. */
    static final int MAX_DEPTH = StreamReadConstraints.DEFAULT_MAX_DEPTH;
    private static final int MAX_NUMBER_LENGTH = StreamReadConstraints.DEFAULT_MAX_NUM_LEN;
    private static final int MAX_NAME_LENGTH = StreamReadConstraints.DEFAULT_MAX_NAME_LEN;

    private static final int NAME_SLOT_BITS = 6;
    private static final int EXACT_KEY = 16;
    private static final int NAME_SLOTS = 1 << NAME_SLOT_BITS;
    private static final int NAME_PROBES = 4;
    private static final int KEEP_CHARS = 16 * 1024;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long QUOTES = '"' * ONES;
    private static final long BACKSLASHES = '\\' * ONES;
    private static final long SPACES = ' ' * ONES;
    private static final int MAX_CACHED_NAME = 48;

    private byte[] doc;
    private int start;
    private int limit;
    private int pos;
    private boolean objectsOnly;

    private JsonToken token;
    /** Whether each open container is an object, by depth. */
    private boolean[] objects = new boolean[16];
    private int depth;

    /** The current string value or field name: its content in {@code doc[textStart..textEnd)}. */
    private int textStart;
    private int textEnd;
    private boolean textEscaped;
    private boolean textAscii;
    /** The current value's first byte (a number's sign or digit, a string's quote, a container's bracket). */
    private int valueStart;
    private String name;
    private int nameStart;
    private int nameEnd;
    private boolean nameEscaped;
    private boolean nameAscii;

    /** Decoded text of strings with escapes; a string never has more chars than bytes. */
    private char[] chars = new char[64];
    private final String[] names = new String[NAME_SLOTS];
    private final int[] nameLengths = new int[NAME_SLOTS];
    private final long[] nameFirsts = new long[NAME_SLOTS];
    private final long[] nameLasts = new long[NAME_SLOTS];
    private final byte[][] nameBytes = new byte[NAME_SLOTS][];

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
        doc = bytes;
        start = offset;
        limit = offset + n;
        pos = offset;
        depth = 0;
        token = null;
        name = null;
        nameStart = -1;
        skipSpace();
        if (pos == limit) {
            return null;
        }
        return value();
    }

    /** The next token of the document. */
    public JsonToken next() {
        if (token == JsonToken.FIELD_NAME) {
            skipSpace();
            if (pos == limit || doc[pos] != ':') {
                throw notJson();
            }
            pos++;
            skipSpace();
            return value();
        }
        if (depth == 0) {
            throw notJson(); // the document's one value is read: nothing may follow
        }
        skipSpace();
        if (pos == limit) {
            throw notJson();
        }
        byte c = doc[pos];
        boolean opened = token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY;
        if (objects[depth - 1]) {
            if (c == '}') {
                pos++;
                depth--;
                return token = JsonToken.END_OBJECT;
            }
            if (!opened) {
                if (c != ',') {
                    throw notJson();
                }
                pos++;
                skipSpace();
            }
            return fieldName();
        }
        if (c == ']') {
            pos++;
            depth--;
            return token = JsonToken.END_ARRAY;
        }
        if (!opened) {
            if (c != ',') {
                throw notJson();
            }
            pos++;
            skipSpace();
        }
        return value();
    }

    /** The document was read to its last token: nothing but whitespace may follow. */
    public void end() {
        skipSpace();
        if (depth != 0 || pos != limit) {
            throw notJson();
        }
    }

    /** The current token. */
    public JsonToken token() {
        return token;
    }

    /** The name of the current field; the same instance for the same short name all through a body. */
    public String name() {
        if (name == null && nameStart >= 0) {
            name = cachedName();
        }
        return name;
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

    private boolean isOrSkip(JsonToken opening) {
        if (token == opening) {
            return true;
        }
        skip();
        return false;
    }

    /**
     * Skips the current value, with all it holds when it is an object or array (checked as it is scanned, never
     * decoded); positioned on its closing token.
     */
    public void skip() {
        if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) {
            return;
        }
        int outer = depth - 1;
        while (depth > outer) {
            next();
        }
    }

    /** The current value when it is a string, else null (the value is skipped). */
    public String text() {
        if (token == JsonToken.VALUE_STRING) {
            return decode(textStart, textEnd, textEscaped, textAscii);
        }
        skip();
        return null;
    }

    /** True when the current value is the string {@code expected}; compared in place, nothing decoded to a String. */
    public boolean textEquals(String expected) {
        if (token != JsonToken.VALUE_STRING) {
            return false;
        }
        if (textEscaped || !textAscii) {
            return expected.equals(decode(textStart, textEnd, textEscaped, textAscii));
        }
        int n = textEnd - textStart;
        if (n != expected.length()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (doc[textStart + i] != expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** True when the current value is JSON {@code null}. */
    public boolean isNull() {
        return token == JsonToken.VALUE_NULL;
    }

    /** The current value as {@link JsonNode#asLong()} reads it: numbers, numeric text, booleans; else 0. */
    public long asLong() {
        return switch (token) {
            case VALUE_NUMBER_INT -> {
                BigInteger big = bigInteger();
                yield big != null ? big.longValue() : longValue();
            }
            case VALUE_NUMBER_FLOAT -> (long) Double.parseDouble(numberText());
            case VALUE_STRING -> NumberInput.parseAsLong(text(), 0L);
            case VALUE_TRUE -> 1L;
            case START_OBJECT, START_ARRAY -> {
                skip();
                yield 0L;
            }
            default -> 0L;
        };
    }

    /** The current value as {@link JsonNode#asInt(int)} reads it with default 0. */
    public int asInt() {
        return switch (token) {
            case VALUE_NUMBER_INT -> {
                BigInteger big = bigInteger();
                yield big != null ? big.intValue() : (int) longValue();
            }
            case VALUE_NUMBER_FLOAT -> (int) Double.parseDouble(numberText());
            case VALUE_STRING -> NumberInput.parseAsInt(text(), 0);
            case VALUE_TRUE -> 1;
            case START_OBJECT, START_ARRAY -> {
                skip();
                yield 0;
            }
            default -> 0;
        };
    }

    /** The current value when it is a number that {@link JsonNode#canConvertToInt()}, else null (skipped). */
    public Integer intOrNull() {
        switch (token) {
            case VALUE_NUMBER_INT -> {
                BigInteger big = bigInteger();
                if (big != null) {
                    return big.bitLength() < 32 ? big.intValue() : null;
                }
                long v = longValue();
                return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? (int) v : null;
            }
            case VALUE_NUMBER_FLOAT -> {
                double v = Double.parseDouble(numberText());
                return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? (int) v : null;
            }
            default -> {
                skip();
                return null;
            }
        }
    }

    /**
     * The current value when it is a whole number that fits a {@code long}, or a string of one; else
     * {@code fallback} (the value is skipped). Counts that are absurdly large are thus unknown rather than wrong.
     */
    public long longOr(long fallback) {
        switch (token) {
            case VALUE_NUMBER_INT -> {
                return bigInteger() == null ? longValue() : fallback;
            }
            case VALUE_STRING -> {
                String s = text();
                return s.equals("null") ? 0 : NumberInput.parseAsLong(s, fallback); // as Jackson reads text
            }
            default -> {
                skip();
                return fallback;
            }
        }
    }

    /** The current value, whatever its type, as compact JSON text copied token by token. */
    public String valueAsJson() {
        StringWriter out = new StringWriter();
        try (JsonParser parser = valueParser(); JsonGenerator generator = FACTORY.createGenerator(out)) {
            parser.nextToken();
            generator.copyCurrentStructure(parser);
        } catch (IOException e) {
            throw notJson();
        }
        return out.toString();
    }

    /** The current value as a tree, for the rare parts a decoder passes on whole (tool-call arguments). */
    public JsonNode tree() {
        try (JsonParser parser = valueParser()) {
            return Json.MAPPER.readTree(parser);
        } catch (IOException e) {
            throw notJson();
        }
    }

    /** The whole current document as a tree, read again from its bytes: for error objects, which are rare. */
    public JsonNode document() {
        return Json.parse(new String(doc, start, limit - start, StandardCharsets.UTF_8));
    }

    /** The current document is not JSON: the exception that says so, quoting it. */
    public UpstreamException notJson() {
        String what = objectsOnly ? "a JSON object" : "JSON";
        String quoted = doc == null ? "" : new String(doc, start, limit - start, StandardCharsets.UTF_8);
        return UpstreamException.malformed("it sent something that is not " + what + ": " + Snippets.of(quoted));
    }

    /** Lets go of the last document; a later {@link #begin} starts afresh. */
    @Override
    public void close() {
        doc = null;
        token = null;
        depth = 0;
    }

    @Override
    public String toString() {
        return "StreamJson[" + (doc == null ? "idle" : token == null ? "at a document's start"
                : depth == 0 ? "at a document's end" : "in a document") + "]";
    }

    // ---- scanning

    private void skipSpace() {
        while (pos < limit) {
            byte c = doc[pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            pos++;
        }
    }

    /** Reads the value starting at {@code pos}. */
    private JsonToken value() {
        if (pos == limit) {
            throw notJson();
        }
        valueStart = pos;
        byte c = doc[pos];
        switch (c) {
            case '{' -> {
                open(true);
                return token = JsonToken.START_OBJECT;
            }
            case '[' -> {
                open(false);
                return token = JsonToken.START_ARRAY;
            }
            case '"' -> {
                string();
                textStart = stringStart;
                textEnd = stringEnd;
                textEscaped = stringEscaped;
                textAscii = stringAscii;
                return token = JsonToken.VALUE_STRING;
            }
            case 't' -> {
                return keyword("true", JsonToken.VALUE_TRUE);
            }
            case 'f' -> {
                return keyword("false", JsonToken.VALUE_FALSE);
            }
            case 'n' -> {
                return keyword("null", JsonToken.VALUE_NULL);
            }
            default -> {
                if (c == '-' || c >= '0' && c <= '9') {
                    return number();
                }
                throw notJson();
            }
        }
    }

    private void open(boolean object) {
        if (depth >= MAX_DEPTH) {
            throw notJson();
        }
        if (depth == objects.length) {
            objects = Arrays.copyOf(objects, Math.min(MAX_DEPTH, 2 * depth));
        }
        objects[depth++] = object;
        pos++;
    }

    private JsonToken fieldName() {
        if (pos == limit || doc[pos] != '"') {
            throw notJson();
        }
        string();
        if (stringEnd - stringStart > MAX_NAME_LENGTH) {
            throw notJson();
        }
        nameStart = stringStart;
        nameEnd = stringEnd;
        nameEscaped = stringEscaped;
        nameAscii = stringAscii;
        name = null;
        return token = JsonToken.FIELD_NAME;
    }

    /** A keyword, which (as Jackson has it) no letter or digit may follow. */
    private JsonToken keyword(String word, JsonToken kind) {
        int n = word.length();
        if (limit - pos < n) {
            throw notJson();
        }
        for (int i = 1; i < n; i++) {
            if (doc[pos + i] != word.charAt(i)) {
                throw notJson();
            }
        }
        pos += n;
        if (pos < limit) {
            byte after = doc[pos];
            if (after >= '0' && after != ']' && after != '}') {
                throw notJson();
            }
        }
        return token = kind;
    }

    /** A number: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}, within Jackson's length. */
    private JsonToken number() {
        int p = pos;
        if (doc[p] == '-') {
            p++;
        }
        int digitsFrom = p;
        if (p == limit || !isDigit(doc[p])) {
            throw notJson();
        }
        if (doc[p] == '0') {
            p++;
            if (p < limit && isDigit(doc[p])) {
                throw notJson(); // leading zeros
            }
        } else {
            while (p < limit && isDigit(doc[p])) {
                p++;
            }
        }
        int intDigits = p - digitsFrom;
        boolean fraction = false;
        if (p < limit && doc[p] == '.') {
            fraction = true;
            p++;
            int from = p;
            while (p < limit && isDigit(doc[p])) {
                p++;
            }
            if (p == from) {
                throw notJson();
            }
        }
        if (p < limit && (doc[p] == 'e' || doc[p] == 'E')) {
            fraction = true;
            p++;
            if (p < limit && (doc[p] == '+' || doc[p] == '-')) {
                p++;
            }
            int from = p;
            while (p < limit && isDigit(doc[p])) {
                p++;
            }
            if (p == from) {
                throw notJson();
            }
        }
        if (fraction ? p - pos > MAX_NUMBER_LENGTH : intDigits > MAX_NUMBER_LENGTH) {
            throw notJson();
        }
        textStart = pos;
        textEnd = p;
        pos = p;
        return token = fraction ? JsonToken.VALUE_NUMBER_FLOAT : JsonToken.VALUE_NUMBER_INT;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    // the string scanned last, by string()
    private int stringStart;
    private int stringEnd;
    private boolean stringEscaped;
    private boolean stringAscii;

    /** Scans the string whose quote is at {@code pos}, checking its escapes, control characters and UTF-8. */
    private void string() {
        int p = pos + 1;
        boolean escaped = false;
        long high = 0;
        while (true) {
            if (p + 8 <= limit) { // eight bytes at a time, to the first quote, backslash or control character
                long word = (long) LONGS.get(doc, p);
                long quote = word ^ QUOTES;
                long backslash = word ^ BACKSLASHES;
                long stops = (((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | ((word - SPACES) & ~word))
                        & HIGHS;
                if (stops == 0) {
                    high |= word;
                    p += 8;
                    continue;
                }
                int k = Long.numberOfTrailingZeros(stops) >>> 3; // the lowest flag is exact: borrows only go up
                high |= word & ((1L << (k << 3)) - 1);
                p += k;
            } else {
                byte c;
                while (p < limit && (c = doc[p]) != '"' && c != '\\' && (c < 0 || c >= 0x20)) {
                    high |= c & 0x80;
                    p++;
                }
                if (p >= limit) {
                    throw notJson();
                }
            }
            if (doc[p] == '"') {
                break;
            }
            escaped = true;
            p = escape(p);
        }
        stringStart = pos + 1;
        stringEnd = p;
        stringEscaped = escaped;
        stringAscii = (high & HIGHS) == 0;
        if (!stringAscii && !ByteLineSplitter.isUtf8(doc, stringStart, p - stringStart)) {
            throw notJson();
        }
        pos = p + 1;
    }

    /** Checks the escape or control character at {@code p} in a string; the index after it. */
    private int escape(int p) {
        if (doc[p] != '\\') {
            throw notJson(); // a control character must be escaped
        }
        p++;
        if (p >= limit) {
            throw notJson();
        }
        switch (doc[p]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                return p + 1;
            }
            case 'u' -> {
                if (limit - p < 5) {
                    throw notJson();
                }
                for (int i = 1; i <= 4; i++) {
                    if (Character.digit(doc[p + i], 16) < 0) {
                        throw notJson();
                    }
                }
                return p + 5;
            }
            default -> throw notJson();
        }
    }

    // ---- decoding

    private String decode(int from, int to, boolean escaped, boolean ascii) {
        if (!escaped) {
            return new String(doc, from, to - from, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        }
        if (chars.length < to - from) {
            char[] bigger = new char[Math.max(to - from, 2 * chars.length)];
            if (bigger.length <= KEEP_CHARS) {
                chars = bigger; // kept for the strings to come; a longer one's is not pinned for the whole body
            }
            return decodeEscaped(from, to, bigger);
        }
        return decodeEscaped(from, to, chars);
    }

    private String decodeEscaped(int from, int to, char[] out) {
        int n = 0;
        int p = from;
        while (p < to) {
            int b = doc[p];
            if (b == '\\') {
                byte e = doc[p + 1];
                p += 2;
                switch (e) {
                    case 'b' -> out[n++] = '\b';
                    case 'f' -> out[n++] = '\f';
                    case 'n' -> out[n++] = '\n';
                    case 'r' -> out[n++] = '\r';
                    case 't' -> out[n++] = '\t';
                    case 'u' -> {
                        int code = 0;
                        for (int i = 0; i < 4; i++) {
                            code = code << 4 | Character.digit(doc[p + i], 16);
                        }
                        out[n++] = (char) code;
                        p += 4;
                    }
                    default -> out[n++] = (char) e; // " \ /
                }
            } else if (b >= 0) {
                out[n++] = (char) b;
                p++;
            } else {
                // well-formed UTF-8, checked by string(): two, three or four bytes
                int code;
                if ((b & 0xE0) == 0xC0) {
                    code = (b & 0x1F) << 6 | doc[p + 1] & 0x3F;
                    p += 2;
                } else if ((b & 0xF0) == 0xE0) {
                    code = (b & 0x0F) << 12 | (doc[p + 1] & 0x3F) << 6 | doc[p + 2] & 0x3F;
                    p += 3;
                } else {
                    code = (b & 0x07) << 18 | (doc[p + 1] & 0x3F) << 12 | (doc[p + 2] & 0x3F) << 6 | doc[p + 3] & 0x3F;
                    p += 4;
                }
                if (code >= Character.MIN_SUPPLEMENTARY_CODE_POINT) {
                    out[n++] = Character.highSurrogate(code);
                    out[n++] = Character.lowSurrogate(code);
                } else {
                    out[n++] = (char) code;
                }
            }
        }
        return new String(out, 0, n);
    }

    /**
     * The current field's name, from the table of names seen when it is there. A name is known by its length and
     * its first and last eight bytes, exactly so up to {@value #EXACT_KEY} bytes, compared whole beyond; open
     * addressing, a few probes. Names are interned, as Jackson has them, so that a decoder's {@code switch} on a
     * name finds its constant at once.
     */
    private String cachedName() {
        int n = nameEnd - nameStart;
        if (n > MAX_CACHED_NAME) {
            return decode(nameStart, nameEnd, nameEscaped, nameAscii);
        }
        long first;
        long last;
        if (n >= 8) {
            first = (long) LONGS.get(doc, nameStart);
            last = (long) LONGS.get(doc, nameEnd - 8);
        } else if (nameStart + 8 <= limit) {
            first = (long) LONGS.get(doc, nameStart) & ((1L << (n << 3)) - 1); // the name's bytes, zero above
            last = 0;
        } else {
            first = 0;
            for (int i = nameEnd - 1; i >= nameStart; i--) {
                first = first << 8 | (doc[i] & 0xFF);
            }
            last = 0;
        }
        long hash = (first * 0x9E3779B97F4A7C15L) ^ (last * 0xC2B2AE3D27D4EB4FL) ^ n;
        int home = (int) (hash >>> (64 - NAME_SLOT_BITS));
        for (int probe = 0; probe < NAME_PROBES; probe++) {
            int slot = (home + probe) & (NAME_SLOTS - 1);
            String known = names[slot];
            if (known == null) {
                return remember(slot, n, first, last);
            }
            if (nameLengths[slot] == n && nameFirsts[slot] == first && nameLasts[slot] == last
                    && (n <= EXACT_KEY || Arrays.equals(nameBytes[slot], 0, n, doc, nameStart, nameEnd))) {
                return known;
            }
        }
        return remember(home, n, first, last); // the table is crowded here: the newest name takes the first slot
    }

    private String remember(int slot, int n, long first, long last) {
        String decoded = decode(nameStart, nameEnd, nameEscaped, nameAscii).intern();
        names[slot] = decoded;
        nameLengths[slot] = n;
        nameFirsts[slot] = first;
        nameLasts[slot] = last;
        nameBytes[slot] = n <= EXACT_KEY ? null : Arrays.copyOfRange(doc, nameStart, nameEnd);
        return decoded;
    }

    private String numberText() {
        return new String(doc, textStart, textEnd - textStart, StandardCharsets.ISO_8859_1);
    }

    /** The current whole number when it does not fit a {@code long}, else null. */
    private BigInteger bigInteger() {
        int digits = textEnd - textStart - (doc[textStart] == '-' ? 1 : 0);
        if (digits <= 18) {
            return null;
        }
        BigInteger v = new BigInteger(numberText());
        return v.bitLength() < 64 ? null : v;
    }

    /** The current whole number, known to fit a {@code long}. */
    private long longValue() {
        if (textEnd - textStart > 18) {
            return Long.parseLong(numberText());
        }
        int p = textStart; // at most 18 characters: summed without a String
        boolean negative = doc[p] == '-';
        if (negative) {
            p++;
        }
        long v = 0;
        for (; p < textEnd; p++) {
            v = v * 10 + (doc[p] - '0');
        }
        return negative ? -v : v;
    }

    /** A parser of the current value alone, by Jackson, for the parts passed on whole; the value is skipped here. */
    private JsonParser valueParser() throws IOException {
        int from = valueStart;
        skip();
        return FACTORY.createParser(doc, from, pos - from);
    }
}
