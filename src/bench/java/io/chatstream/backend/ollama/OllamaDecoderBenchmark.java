package io.chatstream.backend.ollama;

import io.chatstream.backend.ChatSink;
import io.chatstream.backend.upstream.BodyDecoder;
import io.chatstream.bench.DecoderBenchmark;

/**
 * The Ollama stream decoder ({@link OllamaStreamDecoder}) on a realistic NDJSON body: 200 one-token lines and the
 * {@code done} line, fed in network-sized reads of {@code readBytes}. Scores are per token. In the package of the
 * decoder, which is not public.
 */
public class OllamaDecoderBenchmark extends DecoderBenchmark {

    @Override
    protected String body() {
        StringBuilder b = new StringBuilder();
        String head = "{\"model\":\"qwen3:8b\",\"created_at\":\"2025-05-29T09:35:57.123456Z\",\"message\":{\"role\":"
                + "\"assistant\",\"content\":\"";
        for (int i = 0; i < TOKENS; i++) {
            b.append(head).append(WORDS[i % WORDS.length]).append("\"},\"done\":false}\n");
        }
        b.append(head).append("\"},\"done\":true,\"done_reason\":\"stop\",\"total_duration\":4883583458,"
                + "\"prompt_eval_count\":26,\"eval_count\":200}\n");
        return b.toString();
    }

    @Override
    protected BodyDecoder decoder(ChatSink sink) {
        return new OllamaStreamDecoder(sink);
    }
}
