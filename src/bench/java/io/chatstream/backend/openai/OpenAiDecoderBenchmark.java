package io.chatstream.backend.openai;

import io.chatstream.backend.ChatSink;
import io.chatstream.backend.upstream.BodyDecoder;
import io.chatstream.bench.DecoderBenchmark;

/**
 * The OpenAI-dialect stream decoder ({@link OpenAiStreamDecoder}) on a realistic body: a role chunk, 200 one-token
 * content chunks, a finish chunk, a usage chunk and {@code [DONE]}, fed in network-sized reads of {@code readBytes}.
 * Scores are per token. In the package of the decoder, which is not public.
 */
public class OpenAiDecoderBenchmark extends DecoderBenchmark {

    @Override
    protected String body() {
        StringBuilder b = new StringBuilder();
        String head = "data: {\"id\":\"chatcmpl-9x\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,"
                + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":";
        b.append(head).append("{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        for (int i = 0; i < TOKENS; i++) {
            b.append(head).append("{\"content\":\"").append(WORDS[i % WORDS.length])
                    .append("\"},\"finish_reason\":null}]}\n\n");
        }
        b.append(head).append("{},\"finish_reason\":\"stop\"}]}\n\n");
        b.append("data: {\"id\":\"chatcmpl-9x\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":200,\"total_tokens\":212}}\n\n");
        b.append("data: [DONE]\n\n");
        return b.toString();
    }

    @Override
    protected BodyDecoder decoder(ChatSink sink) {
        return new OpenAiStreamDecoder(sink);
    }
}
