package io.chatstream.backend.anthropic;

import io.chatstream.backend.ChatSink;
import io.chatstream.backend.upstream.BodyDecoder;
import io.chatstream.bench.DecoderBenchmark;

/**
 * The Anthropic Messages stream decoder ({@link AnthropicStreamDecoder}) on a realistic body: {@code message_start},
 * a text block of 200 one-token {@code text_delta} events (each with its {@code event:} line, as the API sends
 * them), a ping, {@code content_block_stop}, {@code message_delta} and {@code message_stop}, fed in network-sized
 * reads of {@code readBytes}. Scores are per token. In the package of the decoder, which is not public.
 */
public class AnthropicDecoderBenchmark extends DecoderBenchmark {

    @Override
    protected String body() {
        StringBuilder b = new StringBuilder();
        b.append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5\","
                + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,"
                + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n");
        b.append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        b.append("event: ping\ndata: {\"type\": \"ping\"}\n\n");
        for (int i = 0; i < TOKENS; i++) {
            b.append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                    + "{\"type\":\"text_delta\",\"text\":\"").append(WORDS[i % WORDS.length]).append("\"}}\n\n");
        }
        b.append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        b.append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":200}}\n\n");
        b.append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        return b.toString();
    }

    @Override
    protected BodyDecoder decoder(ChatSink sink) {
        return new AnthropicStreamDecoder(sink);
    }

    @Override
    protected int expectedCalls() {
        return TOKENS;
    }
}
