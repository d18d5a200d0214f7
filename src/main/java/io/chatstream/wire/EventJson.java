package io.chatstream.wire;

import io.chatstream.event.ChatEvent;
import io.chatstream.event.ChatEvent.Chunk;
import io.chatstream.event.ChatEvent.End;
import io.chatstream.event.ChatEvent.Error;
import io.chatstream.event.ChatEvent.Reasoning;
import io.chatstream.event.ChatEvent.Start;
import io.chatstream.event.ChatEvent.ToolCallEvent;
import io.chatstream.event.ChatEvent.ToolResult;

/**
 * Encodes an event as compact, single-line JSON in UTF-8: the payload of one {@code data:} line or one NDJSON line.
 *
 * <p>The output never holds a raw CR or LF, so no text can start a new line, field or frame. Strings are escaped
 * per RFC 8259: {@code "} and {@code \}, every control character below U+0020, U+2028 and U+2029 (line breaks to
 * some JavaScript parsers) as {@code \}u escapes. A lone surrogate, which UTF-8 cannot carry, is written as its
 * {@code \}u escape, so a JSON parser gives back the very same UTF-16 string; paired surrogates become one
 * four-byte UTF-8 sequence. Pure and stateless: no I/O.
 */
public final class EventJson {

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** What every chunk and reasoning event starts with, before its content: written as one copy. */
    private static final byte[] CHUNK = "{\"type\":\"chunk\",\"content\":".getBytes(
            java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] REASONING = "{\"type\":\"reasoning\",\"content\":".getBytes(
            java.nio.charset.StandardCharsets.US_ASCII);

    private EventJson() {
    }

    /** The event as JSON bytes, e.g. {@code {"type":"chunk","content":"Hi\n"}}. */
    public static byte[] encode(ChatEvent event) {
        ByteSink out = new ByteSink(48 + estimate(event));
        encode(event, out);
        return out.toByteArray();
    }

    /**
     * Appends the event's JSON to {@code out}. The per-token events (chunk, reasoning: nearly every event of a
     * reply) take a direct path, with their fixed start written as one copy; the others go through the visitor,
     * whose call site sees every event type and so makes its {@code Fields} on the heap each time.
     */
    public static void encode(ChatEvent event, ByteSink out) {
        if (event instanceof Chunk c) {
            out.write(CHUNK);
            string(out, c.content());
            out.write('}');
            return;
        }
        if (event instanceof Reasoning r) {
            out.write(REASONING);
            string(out, r.content());
            out.write('}');
            return;
        }
        out.ascii("{\"type\":\"").ascii(event.type()).write('"');
        event.accept(new Fields(out));
        out.write('}');
    }

    /** Writes each event type's own fields, after {@code "type"}. */
    private record Fields(ByteSink out) implements ChatEvent.Visitor<Void> {

        @Override
        public Void start(Start s) {
            field(out, "stream_id", s.streamId());
            field(out, "model", s.model());
            if (s.conversationId() != null) {
                field(out, "conversation_id", s.conversationId());
                field(out, "message_id", s.messageId());
                if (s.userMessageId() != null) {
                    field(out, "user_message_id", s.userMessageId());
                }
            }
            return null;
        }

        @Override
        public Void reasoning(Reasoning r) {
            field(out, "content", r.content());
            return null;
        }

        @Override
        public Void chunk(Chunk c) {
            field(out, "content", c.content());
            return null;
        }

        @Override
        public Void toolCall(ToolCallEvent t) {
            out.ascii(",\"tool_call\":{\"id\":");
            string(out, t.toolCall().id());
            out.ascii(",\"name\":");
            string(out, t.toolCall().name());
            out.ascii(",\"arguments\":");
            string(out, t.toolCall().arguments());
            out.write('}');
            return null;
        }

        @Override
        public Void toolResult(ToolResult t) {
            field(out, "tool_call_id", t.toolCallId());
            field(out, "result", t.result());
            return null;
        }

        @Override
        public Void end(End e) {
            field(out, "finish_reason", e.finishReason().wire());
            if (e.usage() != null) {
                out.ascii(",\"usage\":{\"prompt_tokens\":").decimal(e.usage().promptTokens())
                        .ascii(",\"completion_tokens\":").decimal(e.usage().completionTokens()).write('}');
            }
            return null;
        }

        @Override
        public Void error(Error e) {
            field(out, "code", e.code().wire());
            field(out, "error", e.message());
            return null;
        }
    }

    private static int estimate(ChatEvent event) {
        if (event instanceof Chunk c) {
            return c.content().length() * 3;
        }
        return event instanceof Reasoning r ? r.content().length() * 3 : 64;
    }

    private static void field(ByteSink out, String name, String value) {
        out.write(',').write('"').ascii(name).write('"').write(':');
        string(out, value);
    }

    /** Appends {@code s} as a JSON string literal, quotes included. */
    public static void string(ByteSink out, String s) {
        int n = s.length();
        out.ensure(n + 2);
        out.write('"');
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c >= 0x20 && c != '"' && c != '\\') {
                    out.write(c);
                } else {
                    escapeAscii(out, c);
                }
            } else if (c < 0x800) {
                out.write(0xc0 | (c >> 6)).write(0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out.write(0xf0 | (cp >> 18)).write(0x80 | ((cp >> 12) & 0x3f))
                        .write(0x80 | ((cp >> 6) & 0x3f)).write(0x80 | (cp & 0x3f));
            } else if (Character.isSurrogate(c) || c == '\u2028' || c == '\u2029') {
                unicodeEscape(out, c);
            } else {
                out.write(0xe0 | (c >> 12)).write(0x80 | ((c >> 6) & 0x3f)).write(0x80 | (c & 0x3f));
            }
        }
        out.write('"');
    }

    private static void escapeAscii(ByteSink out, char c) {
        switch (c) {
            case '"' -> out.write('\\').write('"');
            case '\\' -> out.write('\\').write('\\');
            case '\n' -> out.write('\\').write('n');
            case '\r' -> out.write('\\').write('r');
            case '\t' -> out.write('\\').write('t');
            case '\b' -> out.write('\\').write('b');
            case '\f' -> out.write('\\').write('f');
            default -> unicodeEscape(out, c);
        }
    }

    private static void unicodeEscape(ByteSink out, char c) {
        out.write('\\').write('u')
                .write(HEX[(c >> 12) & 0xf]).write(HEX[(c >> 8) & 0xf])
                .write(HEX[(c >> 4) & 0xf]).write(HEX[c & 0xf]);
    }
}
