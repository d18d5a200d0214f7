package io.chatstream.backend.upstream;

import io.chatstream.backend.ChatSink;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Constructor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The decoders read straight from bytes (Anthropic, Gemini) against random and mangled bodies: whatever comes, they
 * answer with sink calls ending in exactly one {@code end}, or with an {@link UpstreamException} and no terminal
 * call, never with another exception.
 */
class ByteDecodersFuzzTest {

    private static final long SEED = 0x5eed_a9e1L;

    /** Keys and values of both dialects, so random bodies reach deep into the decoders. */
    private static final List<String> KEYS = List.of("type", "index", "delta", "text", "thinking", "partial_json",
            "content_block", "id", "name", "message", "usage", "input_tokens", "output_tokens",
            "cache_read_input_tokens", "stop_reason", "error", "candidates", "content", "parts", "thought",
            "functionCall", "args", "finishReason", "usageMetadata", "promptTokenCount", "candidatesTokenCount",
            "thoughtsTokenCount", "promptFeedback", "blockReason", "code", "status");
    private static final List<String> VALUES = List.of("content_block_delta", "content_block_start",
            "content_block_stop", "message_start", "message_delta", "message_stop", "error", "ping", "text_delta",
            "thinking_delta", "input_json_delta", "tool_use", "text", "end_turn", "max_tokens", "refusal",
            "overloaded_error", "STOP", "MAX_TOKENS", "SAFETY", "OTHER", "RESOURCE_EXHAUSTED", "你好 👋", "\\n\\n",
            "");

    @ParameterizedTest
    @ValueSource(strings = {"io.chatstream.backend.anthropic.AnthropicStreamDecoder",
            "io.chatstream.backend.gemini.GeminiStreamDecoder"})
    void onlyEverAnUpstreamExceptionOrExactlyOneEnd(String decoderClass) throws Exception {
        Constructor<?> make = Class.forName(decoderClass).getDeclaredConstructor(ChatSink.class, int.class);
        make.setAccessible(true);
        Random r = new Random(SEED + decoderClass.hashCode());
        int accepted = 0;
        int refused = 0;
        for (int run = 0; run < 10_000; run++) {
            StringBuilder body = new StringBuilder();
            for (int i = 1 + r.nextInt(8); i > 0; i--) {
                body.append(r.nextInt(4) == 0 ? "event: x\r\n" : "").append("data: ")
                        .append(r.nextInt(10) == 0 ? json(r, 4) : object(r, 4))
                        .append(r.nextBoolean() ? "\n\n" : "\r\n\r\n");
            }
            if (r.nextBoolean()) {
                body.append(decoderClass.contains("Anthropic") ? "data: {\"type\":\"message_stop\"}\n\n"
                        : "data: {\"candidates\":[{\"finishReason\":\"STOP\"}]}\n\n");
            }
            byte[] input = body.toString().getBytes(StandardCharsets.UTF_8);
            if (r.nextInt(4) == 0 && input.length > 0) {
                input[r.nextInt(input.length)] = (byte) r.nextInt(256); // a mangled byte, anywhere
            }
            Sink sink = new Sink();
            BodyDecoder decoder = (BodyDecoder) make.newInstance(sink, 4096);
            try {
                for (int at = 0; at < input.length; ) {
                    int n = Math.min(input.length - at, 1 + r.nextInt(64));
                    decoder.feed(ByteBuffer.wrap(input, at, n));
                    at += n;
                }
                decoder.finish();
                assertEquals(1, sink.terminals, "an accepted body makes exactly one terminal call");
                accepted++;
            } catch (UpstreamException e) {
                assertEquals(0, sink.terminals, "no terminal call before the error");
                assertFalse(e.getMessage().isBlank());
                refused++;
            } catch (RuntimeException e) {
                fail("not an UpstreamException for " + new String(input, StandardCharsets.UTF_8), e);
            }
        }
        assertTrue(accepted > 500 && refused > 500, "replies and refusals both come up: " + accepted + " / "
                + refused);
    }

    private static String json(Random r, int depth) {
        return switch (depth <= 0 ? r.nextInt(5) : r.nextInt(9)) {
            case 0 -> "null";
            case 1 -> r.nextBoolean() ? "true" : "false";
            case 2 -> List.of("0", "-1", "1", "9223372036854775807", "99999999999999999999", "1e999", "0.5")
                    .get(r.nextInt(7));
            case 3, 4 -> "\"" + VALUES.get(r.nextInt(VALUES.size())) + "\"";
            case 5 -> {
                StringBuilder b = new StringBuilder("[");
                for (int i = r.nextInt(3); i > 0; i--) {
                    b.append(json(r, depth - 1)).append(i > 1 ? "," : "");
                }
                yield b.append(']').toString();
            }
            default -> object(r, depth);
        };
    }

    private static String object(Random r, int depth) {
        StringBuilder b = new StringBuilder("{");
        for (int i = r.nextInt(5); i > 0; i--) {
            b.append('"').append(KEYS.get(r.nextInt(KEYS.size()))).append("\":").append(json(r, depth - 1))
                    .append(i > 1 ? "," : "");
        }
        return b.append('}').toString();
    }

    /** Counts terminal calls and checks nothing follows one. */
    private static final class Sink implements ChatSink {
        int terminals;

        private void content() {
            assertEquals(0, terminals, "a call after the terminal one");
        }

        @Override
        public void reasoning(String text) {
            content();
        }

        @Override
        public void chunk(String text) {
            content();
        }

        @Override
        public void toolCall(ToolCall call) {
            content();
        }

        @Override
        public void toolResult(String toolCallId, String result) {
            content();
        }

        @Override
        public void end(FinishReason reason, Usage usage) {
            content();
            terminals++;
        }

        @Override
        public void error(ErrorCode code, String message) {
            content();
            terminals++;
        }
    }
}
