package io.chatstream.wire;

/**
 * Writes one flat JSON object, compact and on one line, into a {@link ByteSink}: names and strings escaped as
 * {@link EventJson#string} does, numbers as decimals. For the small fixed-shape payloads that are not chat events
 * (the connection test's), so that no JSON is ever built from strings.
 *
 * <pre>
 * JsonObject.in(out).string("type", "tick").number("n", 1).end();     {"type":"tick","n":1}
 * </pre>
 */
public final class JsonObject {

    private final ByteSink out;
    private boolean empty = true;

    private JsonObject(ByteSink out) {
        this.out = out;
    }

    /** An object appended to {@code out}; nothing is written before the first field or {@link #end()}. */
    public static JsonObject in(ByteSink out) {
        return new JsonObject(out);
    }

    public JsonObject string(String name, String value) {
        name(name);
        EventJson.string(out, value);
        return this;
    }

    public JsonObject number(String name, long value) {
        name(name);
        out.decimal(value);
        return this;
    }

    /** Closes the object; {@code {}} when it has no field. */
    public void end() {
        if (empty) {
            out.write('{');
            empty = false;
        }
        out.write('}');
    }

    private void name(String name) {
        out.write(empty ? '{' : ',');
        empty = false;
        EventJson.string(out, name);
        out.write(':');
    }
}
