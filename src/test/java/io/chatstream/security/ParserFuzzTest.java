package io.chatstream.security;

import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.testing.Transcripts;
import io.chatstream.backend.upstream.BodyDecoder;
import io.chatstream.backend.upstream.LineSplitter;
import io.chatstream.backend.upstream.SseReader;
import io.chatstream.backend.upstream.UpstreamException;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;
import io.chatstream.protocol.ApiError;
import io.chatstream.protocol.ChatRequestParser;
import io.chatstream.stream.LastEventId;
import io.chatstream.stream.StreamIds;
import io.chatstream.testing.SseRecorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Constructor;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random and mutated bytes into every parser the server has: the request body, the query, {@code Last-Event-ID},
 * the upstream line splitter and event-stream reader, and the OpenAI and Ollama body decoders. Each may only answer
 * with its documented error ({@link ApiError}, {@link IllegalArgumentException}, {@link UpstreamException}), never
 * another exception, never a hang. Fixed seeds; a failure names the case and its input.
 */
@Timeout(120)
class ParserFuzzTest {

    private static final long SEED = 0xBB67AE8584CAA73BL;

    /** Pieces that steer mutations into the interesting corners of JSON, UTF-8 and event streams. */
    private static final List<byte[]> TOKENS = new ArrayList<>();

    static {
        for (String t : List.of("{", "}", "[", "]", "\"", ":", ",", "null", "true", "false", "0", "-1", "1e999",
                "-0.0", "1e-400", "123456789012345678901234567890", "\"\"", "\\", "\\u", "\\ud800", "\\udc00",
                "\\u0000", "\n", "\r", "\r\n", "\n\n", " ", "\t", "data:", "data: ", "event: error", ": c", "[DONE]",
                "\"messages\"", "\"message\"", "\"role\"", "\"content\"", "\"user\"", "\"system\"", "\"model\"",
                "\"temperature\"", "\"max_tokens\"", "\"choices\"", "\"delta\"", "\"index\"", "\"tool_calls\"",
                "\"function\"", "\"arguments\"", "\"finish_reason\"", "\"usage\"", "\"error\"", "\"done\"",
                "\"done_reason\"", "\"thinking\"", "\"reasoning_content\"", "<think>", "</think>", "\uFEFF")) {
            TOKENS.add(t.getBytes(StandardCharsets.UTF_8));
        }
        for (int[] bad : new int[][] {{0xC0, 0x80}, {0xED, 0xA0, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0xFF},
            {0xE2, 0x82}, {0xF0, 0x9F, 0x98}, {0x80}, {0xC3}}) {
            byte[] b = new byte[bad.length];
            for (int i = 0; i < bad.length; i++) {
                b[i] = (byte) bad[i];
            }
            TOKENS.add(b);
        }
    }

    static byte[] randomBytes(Random r, int max) {
        byte[] b = new byte[r.nextInt(max + 1)];
        r.nextBytes(b);
        return b;
    }

    /** {@code seed} with 1 to 8 random edits: bit flips, new bytes, tokens, cuts, repeats, truncation. */
    static byte[] mutate(Random r, byte[] seed) {
        ByteArrayOutputStream out;
        byte[] b = seed.clone();
        int edits = 1 + r.nextInt(8);
        for (int e = 0; e < edits; e++) {
            int at = b.length == 0 ? 0 : r.nextInt(b.length + 1);
            out = new ByteArrayOutputStream(b.length + 16);
            switch (r.nextInt(7)) {
                case 0 -> {
                    if (b.length > 0) {
                        int i = Math.min(at, b.length - 1);
                        b[i] ^= (byte) (1 << r.nextInt(8));
                    }
                    continue;
                }
                case 1 -> {
                    out.write(b, 0, at);
                    byte[] t = TOKENS.get(r.nextInt(TOKENS.size()));
                    out.write(t, 0, t.length);
                    out.write(b, at, b.length - at);
                }
                case 2 -> {
                    int len = Math.min(b.length - at, r.nextInt(16));
                    out.write(b, 0, at);
                    out.write(b, at + len, b.length - at - len);
                }
                case 3 -> {
                    int len = Math.min(b.length - at, 1 + r.nextInt(32));
                    out.write(b, 0, at + len);
                    for (int k = r.nextInt(20); k >= 0; k--) {
                        out.write(b, at, len);
                    }
                    out.write(b, at + len, b.length - at - len);
                }
                case 4 -> {
                    out.write(b, 0, at);
                }
                case 5 -> {
                    out.write(b, 0, at);
                    out.write((byte) r.nextInt(256));
                    out.write(b, at, b.length - at);
                }
                default -> {
                    out.write(b, 0, at);
                    byte[] t = HostileText.utf8(HostileText.next(r, 4));
                    out.write(t, 0, t.length);
                    out.write(b, at, b.length - at);
                }
            }
            b = out.toByteArray();
        }
        return b;
    }

    private static String show(byte[] input) {
        return input.length <= 400 ? HexFormat.of().formatHex(input) + " \"" + new String(input,
                StandardCharsets.UTF_8) + "\"" : input.length + " bytes";
    }

    /** Runs {@code cases} checks, each given its own seeded Random; fails naming the first case that breaks. */
    private static void fuzz(String what, int cases, long seed, CaseCheck check) {
        long slowest = 0;
        for (int i = 0; i < cases; i++) {
            Random r = new Random(seed + i);
            long t0 = System.nanoTime();
            try {
                check.run(r);
            } catch (AssertionError | Exception e) {
                throw new AssertionError(what + ", case " + i + " (seed " + (seed + i) + "): " + e, e);
            }
            slowest = Math.max(slowest, System.nanoTime() - t0);
        }
        assertTrue(slowest < 2_000_000_000L, what + ": one case took " + slowest / 1_000_000 + " ms");
    }

    @FunctionalInterface
    interface CaseCheck {
        void run(Random r) throws Exception;
    }

    // --- request body ------------------------------------------------------------------------------------------

    private static final List<byte[]> BODIES = new ArrayList<>();

    static {
        for (String body : List.of("{\"message\":\"hi\"}",
                "{\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"x\"}],"
                        + "\"model\":\"m\",\"temperature\":0.7,\"max_tokens\":512}",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\","
                        + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":[1]}\"}}]},"
                        + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"42\"},"
                        + "{\"role\":\"user\",\"content\":\"\\u00e9\\ud83d\\ude00 \\n\"}],\"extra\":{\"a\":[1,2,{}]},"
                        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":"
                        + "{\"type\":\"object\"}}}],"
                        + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}}}",
                "{\"message\":\"\u4F60\u597D \uD83D\uDE80\",\"temperature\":null,\"max_tokens\":null,\"model\":null}")) {
            BODIES.add(body.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void theRequestParserOnlyEverAnswersApiError() {
        ChatRequestParser parser = new ChatRequestParser(50, 1 << 20);
        int[] accepted = {0};
        fuzz("request body", 30_000, SEED, r -> {
            byte[] input = switch (r.nextInt(4)) {
                case 0 -> randomBytes(r, 200);
                case 1 -> HostileText.utf8(HostileText.next(r, 40));
                default -> mutate(r, BODIES.get(r.nextInt(BODIES.size())));
            };
            try {
                ChatRequest request = parser.parse(input);
                accepted[0]++;
                assertValid(request);
            } catch (ApiError e) {
                assertEquals(400, e.status(), show(input));
                assertEquals("invalid_request", e.code());
                assertFalse(e.getMessage().isBlank());
                assertTrue(SseRecorder.JSON.readTree(e.body()).get("error").isObject(), "the error body is JSON");
            } catch (RuntimeException | StackOverflowError e) {
                throw new AssertionError("not an ApiError for " + show(input), e);
            }
        });
        assertTrue(accepted[0] > 100, "mutations that stay valid are accepted too: " + accepted[0]);
    }

    private static void assertValid(ChatRequest request) {
        assertFalse(request.messages().isEmpty());
        for (ChatMessage m : request.messages()) {
            assertNotNull(m.role());
            assertTrue(!m.content().isEmpty() || m.role() == ChatMessage.Role.ASSISTANT
                    || m.role() == ChatMessage.Role.TOOL);
            assertEquals(m.role() == ChatMessage.Role.TOOL, m.toolCallId() != null);
            for (io.chatstream.event.ToolCall c : m.toolCalls()) {
                assertTrue(c.name().matches("[a-zA-Z0-9_-]{1,64}"), c.name());
                try {
                    assertTrue(SseRecorder.JSON.readTree(c.arguments()).isObject(), c.arguments());
                } catch (java.io.IOException e) {
                    throw new AssertionError("arguments that are not JSON: " + c.arguments(), e);
                }
            }
        }
        if (request.toolChoice() != null && request.toolChoice().function() != null) {
            assertTrue(request.tools().stream().anyMatch(t -> t.name().equals(request.toolChoice().function())));
        }
        if (request.model() != null) {
            assertTrue(request.model().chars().noneMatch(Character::isISOControl));
        }
        if (request.temperature() != null) {
            assertTrue(request.temperature() >= 0 && request.temperature() <= 2);
        }
        if (request.maxTokens() != null) {
            assertTrue(request.maxTokens() >= 1);
        }
    }

    @Test
    void theQueryParserOnlyEverAnswersApiError() {
        ChatRequestParser parser = new ChatRequestParser(50, 1 << 20);
        fuzz("query", 10_000, SEED + 1, r -> {
            Map<String, String[]> params = new HashMap<>();
            for (String name : List.of("prompt", "model", "other")) {
                if (r.nextInt(4) > 0) {
                    String[] values = new String[r.nextInt(3)];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = r.nextInt(5) == 0 ? "" : HostileText.next(r, 10);
                    }
                    params.put(name, values);
                }
            }
            try {
                assertValid(parser.fromQuery(params));
            } catch (ApiError e) {
                assertEquals(400, e.status());
            }
        });
    }

    // --- Last-Event-ID -----------------------------------------------------------------------------------------

    @Test
    void lastEventIdParsingOnlyEverAnswersIllegalArgumentException() {
        String id = StreamIds.next();
        fuzz("Last-Event-ID", 30_000, SEED + 2, r -> {
            String input = switch (r.nextInt(4)) {
                case 0 -> HostileText.next(r, 12);
                case 1 -> id + ":" + r.nextLong();
                case 2 -> new String(mutate(r, (id + ":" + r.nextInt(1000)).getBytes(StandardCharsets.UTF_8)),
                        StandardCharsets.UTF_8);
                default -> r.nextBoolean() ? null : "";
            };
            try {
                LastEventId parsed = LastEventId.parse(input);
                assertFalse(parsed.streamId().isEmpty(), input);
                assertTrue(parsed.seq() >= 0, input);
                assertEquals(parsed, LastEventId.parse(parsed.streamId() + ":" + parsed.seq()));
            } catch (IllegalArgumentException e) {
                assertNotNull(e.getMessage());
            }
        });
        for (int seq : new int[] {0, 1, Integer.MAX_VALUE}) {
            assertEquals(new LastEventId(id, seq), LastEventId.parse(id + ":" + seq));
        }
        assertEquals(new LastEventId(id, Integer.MAX_VALUE), LastEventId.parse(id + ":999999999999999999"),
                "a seq past any a stream reaches is read as the largest");
    }

    // --- upstream: lines and event streams ---------------------------------------------------------------------

    private static final List<byte[]> UPSTREAM_BODIES = new ArrayList<>();

    static {
        for (Transcripts.Transcript t : Transcripts.OPENAI) {
            UPSTREAM_BODIES.add(t.bytes());
        }
        for (Transcripts.Transcript t : Transcripts.OLLAMA) {
            UPSTREAM_BODIES.add(t.bytes());
        }
    }

    private static byte[] upstreamInput(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> randomBytes(r, 2000);
            case 1 -> HostileText.utf8(HostileText.next(r, 60));
            default -> mutate(r, UPSTREAM_BODIES.get(r.nextInt(UPSTREAM_BODIES.size())));
        };
    }

    /** Feeds {@code input} in random cuts. */
    private static void feedCut(Random r, byte[] input, Consumer<ByteBuffer> feed) {
        for (int at = 0; at < input.length; ) {
            int n = Math.min(input.length - at, 1 + r.nextInt(r.nextBoolean() ? 8 : 700));
            feed.accept(ByteBuffer.wrap(input, at, n));
            at += n;
        }
    }

    @Test
    void theLineSplitterGivesTheLinesOfValidUtf8AndOnlyUpstreamExceptionOtherwise() {
        int[] compared = {0};
        fuzz("line splitter", 20_000, SEED + 3, r -> {
            byte[] input = upstreamInput(r);
            int max = r.nextBoolean() ? LineSplitter.DEFAULT_MAX_LINE_BYTES : 1 + r.nextInt(200);
            List<String> lines = new ArrayList<>();
            LineSplitter splitter = new LineSplitter(max, lines::add);
            try {
                feedCut(r, input, splitter::feed);
                splitter.finish();
            } catch (UpstreamException e) {
                assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
                return;
            }
            List<String> expected = referenceLines(input);
            if (expected != null) {
                compared[0]++;
                assertEquals(expected, lines, show(input));
            }
        });
        assertTrue(compared[0] > 5_000, "valid inputs were compared line by line: " + compared[0]);
    }

    /** The lines of a valid UTF-8 text by the event-stream rule, or null when the bytes are not valid UTF-8. */
    private static List<String> referenceLines(byte[] input) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(input)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<String> lines = new ArrayList<>(List.of(text.split("\r\n|\r|\n", -1)));
        if (lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    @Test
    void theEventStreamReaderOnlyEverAnswersUpstreamException() {
        fuzz("event-stream reader", 20_000, SEED + 4, r -> {
            byte[] input = upstreamInput(r);
            SseReader reader = new SseReader(r.nextBoolean() ? 4096 : 1 + r.nextInt(300), new SseReader.Handler() {
                @Override
                public void onEvent(String type, String data) {
                    assertNotNull(data);
                    assertTrue(type == null || !type.isEmpty());
                }
            });
            try {
                feedCut(r, input, reader::feed);
                reader.finish();
            } catch (UpstreamException e) {
                assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
            }
        });
    }

    // --- upstream: the dialects' body decoders -----------------------------------------------------------------

    /**
     * The decoders are package-private to their backends; the fuzz test reaches them by reflection so that it can
     * live with the other hardening tests.
     */
    private static Function<ChatSink, BodyDecoder> decoder(String className) throws ReflectiveOperationException {
        Constructor<?> c = Class.forName(className).getDeclaredConstructor(ChatSink.class, int.class);
        c.setAccessible(true);
        return sink -> {
            try {
                return (BodyDecoder) c.newInstance(sink, 64 * 1024);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        };
    }

    /** Checks the sink contract from the decoder's side: text never null, nothing after the one terminal call. */
    private static final class ContractSink implements ChatSink {
        int terminals;

        private void content(Object o) {
            assertNotNull(o);
            assertEquals(0, terminals, "a call after the terminal one");
        }

        @Override
        public void reasoning(String text) {
            content(text);
        }

        @Override
        public void chunk(String text) {
            content(text);
        }

        @Override
        public void toolCall(ToolCall call) {
            content(call);
        }

        @Override
        public void toolResult(String toolCallId, String result) {
            content(result);
        }

        @Override
        public void end(FinishReason reason, Usage usage) {
            content(reason);
            if (usage != null) {
                assertTrue(usage.promptTokens() >= 0 && usage.completionTokens() >= 0);
            }
            terminals++;
        }

        @Override
        public void error(ErrorCode code, String message) {
            content(message);
            terminals++;
        }
    }

    /** Random JSON in the shape of the dialects' events: the right keys with values of every wrong type. */
    static String shapedJson(Random r, int depth) {
        List<String> keys = List.of("choices", "delta", "message", "content", "reasoning_content", "reasoning",
                "thinking", "tool_calls", "index", "id", "function", "name", "arguments", "finish_reason", "usage",
                "prompt_tokens", "completion_tokens", "error", "done", "done_reason", "eval_count",
                "prompt_eval_count", "role", "type", "item", "item_id", "output_index", "call_id", "response",
                "incomplete_details", "reason", "input_tokens", "output_tokens", "code");
        return switch (depth <= 0 ? r.nextInt(6) : r.nextInt(9)) {
            case 0 -> "null";
            case 1 -> r.nextBoolean() ? "true" : "false";
            case 2 -> List.of("0", "-1", "2147483648", "1e999", "-1e999", "0.5", "99999999999999999999")
                    .get(r.nextInt(7));
            case 3, 4, 5 -> HostileText.json(r.nextInt(3) == 0 ? List.of("stop", "length", "tool_calls", "<think>",
                    "</think>", "", "[DONE]", "response.output_text.delta", "response.completed", "function_call",
                    "response.function_call_arguments.delta", "response.output_item.added", "error",
                    "max_output_tokens").get(r.nextInt(14)) : HostileText.next(r, 6));
            case 6 -> {
                StringBuilder b = new StringBuilder("[");
                for (int i = r.nextInt(4); i > 0; i--) {
                    b.append(shapedJson(r, depth - 1)).append(i > 1 ? "," : "");
                }
                yield b.append(']').toString();
            }
            default -> {
                StringBuilder b = new StringBuilder("{");
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    b.append(i > 0 ? "," : "").append('"').append(keys.get(r.nextInt(keys.size()))).append("\":")
                            .append(shapedJson(r, depth - 1));
                }
                yield b.append('}').toString();
            }
        };
    }

    @Test
    void theUpstreamDecodersOnlyEverAnswerUpstreamException() throws Exception {
        Map<String, Function<ChatSink, BodyDecoder>> decoders = Map.of(
                "openai", decoder("io.chatstream.backend.openai.OpenAiStreamDecoder"),
                "responses", decoder("io.chatstream.backend.openai.ResponsesStreamDecoder"),
                "ollama", decoder("io.chatstream.backend.ollama.OllamaStreamDecoder"));
        Map<String, String> lastEvents = Map.of("openai", "data: [DONE]\n\n",
                "responses", "data: {\"type\":\"response.completed\",\"response\":{}}\n\n",
                "ollama", "{\"done\":true}\n");
        for (Map.Entry<String, Function<ChatSink, BodyDecoder>> d : decoders.entrySet()) {
            boolean sse = !d.getKey().equals("ollama");
            int[] outcomes = new int[2];
            fuzz(d.getKey() + " decoder", 15_000, SEED + 5 + d.getKey().hashCode(), r -> {
                byte[] input;
                if (r.nextBoolean()) {
                    input = upstreamInput(r);
                } else {
                    StringBuilder body = new StringBuilder();
                    for (int i = 1 + r.nextInt(6); i > 0; i--) {
                        String json = shapedJson(r, 4);
                        body.append(sse ? "data: " + json + "\n\n" : json + "\n");
                    }
                    if (r.nextBoolean()) {
                        body.append(lastEvents.get(d.getKey()));
                    }
                    input = HostileText.utf8(body.toString());
                }
                ContractSink sink = new ContractSink();
                BodyDecoder decoder = d.getValue().apply(sink);
                try {
                    feedCut(r, input, decoder::feed);
                    decoder.finish();
                    assertEquals(1, sink.terminals, "a body the decoder accepts makes exactly one terminal call");
                    outcomes[0]++;
                } catch (UpstreamException e) {
                    outcomes[1]++;
                    assertTrue(sink.terminals == 0, "no terminal call before the error: the call makes the error");
                    assertFalse(e.getMessage().isBlank());
                } catch (RuntimeException | StackOverflowError e) {
                    fail("not an UpstreamException for " + show(input), e);
                }
            });
            assertTrue(outcomes[0] > 1000 && outcomes[1] > 1000, d.getKey() + ": replies and refusals both come up: "
                    + outcomes[0] + " / " + outcomes[1]);
        }
    }
}
