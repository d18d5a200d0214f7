package io.chatstream.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatstream.event.ChatEvent;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;
import io.chatstream.testing.SseParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SseFramesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] ID = "AAAAAAAAAAAAAAAAAAAAAA".getBytes(StandardCharsets.US_ASCII);

    private static String frame(ChatEvent event, int seq) {
        ByteSink out = new ByteSink(16);
        SseFrames.event(out, ID, seq, EventJson.encode(event));
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    @Test
    void chunkFrameExactBytes() {
        assertEquals("id: AAAAAAAAAAAAAAAAAAAAAA:7\ndata: {\"type\":\"chunk\",\"content\":\"Hi\"}\n\n",
                frame(new ChatEvent.Chunk("Hi"), 7));
    }

    @Test
    void retryAndKeepAliveExactBytes() {
        ByteSink out = new ByteSink(16);
        SseFrames.retry(out, 3000);
        SseFrames.keepAlive(out);
        assertEquals("retry: 3000\n\n: keep-alive\n\n", new String(out.toByteArray(), StandardCharsets.US_ASCII));
    }

    @Test
    void everyEventTypeExactJson() {
        assertEquals("{\"type\":\"start\",\"stream_id\":\"s1\",\"model\":\"m\"}",
                json(new ChatEvent.Start("s1", "m")));
        assertEquals("{\"type\":\"reasoning\",\"content\":\"hm\"}", json(new ChatEvent.Reasoning("hm")));
        assertEquals("{\"type\":\"tool_call\",\"tool_call\":{\"id\":\"c1\",\"name\":\"get\",\"arguments\":"
                        + "\"{\\\"a\\\":1}\"}}",
                json(new ChatEvent.ToolCallEvent(new ToolCall("c1", "get", "{\"a\":1}"))));
        assertEquals("{\"type\":\"tool_result\",\"tool_call_id\":\"c1\",\"result\":\"ok\"}",
                json(new ChatEvent.ToolResult("c1", "ok")));
        assertEquals("{\"type\":\"end\",\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":1,"
                + "\"completion_tokens\":2}}", json(new ChatEvent.End(FinishReason.STOP, new Usage(1, 2))));
        assertEquals("{\"type\":\"end\",\"finish_reason\":\"cancelled\"}",
                json(new ChatEvent.End(FinishReason.CANCELLED, null)));
        assertEquals("{\"type\":\"error\",\"code\":\"upstream_timeout\",\"error\":\"slow\"}",
                json(new ChatEvent.Error(ErrorCode.UPSTREAM_TIMEOUT, "slow")));
    }

    @Test
    void controlCharactersAreEscapedNeverRaw() {
        assertEquals("{\"type\":\"chunk\",\"content\":\"a\\nb\\rc\\r\\nd\\u0000e\\t\\\"\\\\\\u001f\"}",
                json(new ChatEvent.Chunk("a\nb\rc\r\nd\u0000e\t\"\\\u001f")));
    }

    @Test
    void lineSeparatorsAndLoneSurrogatesAreEscaped() {
        assertEquals("{\"type\":\"chunk\",\"content\":\"\\u2028\\u2029\\ud800x\\udc00\"}",
                json(new ChatEvent.Chunk("\u2028\u2029\ud800x\udc00")));
    }

    @Test
    void reasoningFrameExactBytes() {
        assertEquals("id: AAAAAAAAAAAAAAAAAAAAAA:2\ndata: {\"type\":\"reasoning\",\"content\":\"Hm \\\"x\\\"\\n\"}\n\n",
                frame(new ChatEvent.Reasoning("Hm \"x\"\n"), 2));
    }

    @Test
    void astralCharactersAreFourUtf8Bytes() {
        byte[] bytes = EventJson.encode(new ChatEvent.Chunk("\uD83D\uDE00"));
        byte[] expected = "{\"type\":\"chunk\",\"content\":\"\uD83D\uDE00\"}".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(expected, bytes);
        assertEquals(4, bytes.length - "{\"type\":\"chunk\",\"content\":\"\"}".length());
    }

    /** Text that tries to forge lines, fields and frames comes back exactly, as one event. */
    @ParameterizedTest
    @ValueSource(strings = {
        "plain", "line\nbreak", "carriage\rreturn", "crlf\r\nend", "\n\ndata: x", "\n\nid: 1\ndata: forged\n\n",
        "id: 1", "retry: 1", ": comment", "\r\rdata: {\"type\":\"end\"}\r\r", "nul\u0000byte", "u2028\u2028u2029\u2029",
        "lone high \ud800", "lone low \udc00", "reversed \udc00\ud800", "emoji \uD83D\uDE00\uD83C\uDF89", "中文 text",
        "\u0085 next line", "tab\tand\u000b\u000cff", "\"quoted\" \\backslash\\", ""
    })
    void hostileTextRoundTripsAsExactlyOneEvent(String text) throws Exception {
        List<ChatEvent> sent = List.of(new ChatEvent.Chunk(text), new ChatEvent.Reasoning(text),
                new ChatEvent.Error(ErrorCode.INTERNAL, text), new ChatEvent.ToolResult(text, text));
        ByteSink out = new ByteSink(64);
        SseFrames.retry(out, 3000);
        int seq = 0;
        for (ChatEvent e : sent) {
            SseFrames.event(out, ID, ++seq, EventJson.encode(e));
        }
        byte[] wire = out.toByteArray();
        for (int split = 0; split <= wire.length; split += Math.max(1, wire.length / 37)) {
            SseParser parser = new SseParser();
            List<SseParser.Frame> frames = new ArrayList<>(parser.feed(wire, 0, split));
            frames.addAll(parser.feed(wire, split, wire.length - split));
            List<SseParser.Frame> events = frames.stream().filter(SseParser.Frame::isEvent).toList();
            assertEquals(sent.size(), events.size(), "events parsed back from a split at " + split);
            assertEquals(text, JSON.readTree(events.get(0).data()).get("content").asText());
            assertEquals(text, JSON.readTree(events.get(1).data()).get("content").asText());
            assertEquals(text, JSON.readTree(events.get(2).data()).get("error").asText());
            JsonNode r = JSON.readTree(events.get(3).data());
            assertEquals(text, r.get("tool_call_id").asText());
            assertEquals(text, r.get("result").asText());
            assertEquals("AAAAAAAAAAAAAAAAAAAAAA:4", events.get(3).id());
        }
    }

    @Test
    void frameRefusesJsonWithALineBreak() {
        ByteSink out = new ByteSink(16);
        assertThrows(IllegalArgumentException.class,
                () -> SseFrames.event(out, ID, 1, "{\n}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class,
                () -> NdjsonFrames.event(out, "{\r}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void ndjsonLinesExactBytes() {
        ByteSink out = new ByteSink(16);
        NdjsonFrames.event(out, EventJson.encode(new ChatEvent.Chunk("a\nb")));
        NdjsonFrames.ping(out);
        assertEquals("{\"type\":\"chunk\",\"content\":\"a\\nb\"}\n{\"type\":\"ping\"}\n",
                new String(out.toByteArray(), StandardCharsets.UTF_8));
    }

    @Test
    void decimalsOfAnySize() {
        ByteSink out = new ByteSink(1);
        out.decimal(0).write(' ').decimal(9).write(' ').decimal(10).write(' ').decimal(-42).write(' ')
                .decimal(Long.MAX_VALUE).write(' ').decimal(Long.MIN_VALUE);
        assertEquals("0 9 10 -42 9223372036854775807 -9223372036854775808",
                new String(out.toByteArray(), StandardCharsets.US_ASCII));
    }

    private static String json(ChatEvent e) {
        return new String(EventJson.encode(e), StandardCharsets.UTF_8);
    }
}
