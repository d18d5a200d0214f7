package io.chatstream.backend.openai;

import io.chatstream.backend.ChatSink;
import io.chatstream.backend.upstream.BodyDecoder;
import io.chatstream.bench.DecoderBenchmark;

/**
 * The Responses API stream decoder ({@link ResponsesStreamDecoder}) on a realistic body as OpenAI sends it: the
 * lifecycle events, 200 one-token {@code response.output_text.delta} events with their {@code event:} lines, the
 * closing part and item events and {@code response.completed} repeating the whole text, fed in network-sized reads
 * of {@code readBytes}. Scores are per token. In the package of the decoder, which is not public.
 */
public class ResponsesDecoderBenchmark extends DecoderBenchmark {

    @Override
    protected String body() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < TOKENS; i++) {
            text.append(WORDS[i % WORDS.length]);
        }
        String response = "{\"id\":\"resp_68a1c9d0e4f08190b1c2\",\"object\":\"response\",\"created_at\":1755433417,"
                + "\"status\":\"%s\",\"error\":null,\"incomplete_details\":null,\"model\":\"gpt-4o-mini-2024-07-18\","
                + "\"output\":%s,\"usage\":%s}";
        String message = "[{\"id\":\"msg_68a1c9d1b2c48190a3f4\",\"type\":\"message\",\"status\":\"completed\","
                + "\"content\":[{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":\"" + text
                + "\"}],\"role\":\"assistant\"}]";
        StringBuilder b = new StringBuilder();
        int seq = 0;
        b.append("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":").append(seq++)
                .append(",\"response\":").append(String.format(response, "in_progress", "[]", "null")).append("}\n\n");
        b.append("event: response.in_progress\ndata: {\"type\":\"response.in_progress\",\"sequence_number\":")
                .append(seq++).append(",\"response\":").append(String.format(response, "in_progress", "[]", "null"))
                .append("}\n\n");
        b.append("event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\","
                + "\"sequence_number\":").append(seq++).append(",\"output_index\":0,\"item\":{\"id\":"
                + "\"msg_68a1c9d1b2c48190a3f4\",\"type\":\"message\",\"status\":\"in_progress\",\"content\":[],"
                + "\"role\":\"assistant\"}}\n\n");
        b.append("event: response.content_part.added\ndata: {\"type\":\"response.content_part.added\","
                + "\"sequence_number\":").append(seq++).append(",\"item_id\":\"msg_68a1c9d1b2c48190a3f4\","
                + "\"output_index\":0,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"annotations\":[],"
                + "\"logprobs\":[],\"text\":\"\"}}\n\n");
        for (int i = 0; i < TOKENS; i++) {
            b.append("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
                    + "\"sequence_number\":").append(seq++).append(",\"item_id\":\"msg_68a1c9d1b2c48190a3f4\","
                    + "\"output_index\":0,\"content_index\":0,\"delta\":\"").append(WORDS[i % WORDS.length])
                    .append("\",\"logprobs\":[],\"obfuscation\":\"a9Xk2\"}\n\n");
        }
        b.append("event: response.output_text.done\ndata: {\"type\":\"response.output_text.done\","
                + "\"sequence_number\":").append(seq++).append(",\"item_id\":\"msg_68a1c9d1b2c48190a3f4\","
                + "\"output_index\":0,\"content_index\":0,\"text\":\"").append(text).append("\",\"logprobs\":[]}\n\n");
        b.append("event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\","
                + "\"sequence_number\":").append(seq++).append(",\"output_index\":0,\"item\":")
                .append(message, 1, message.length() - 1).append("}\n\n");
        b.append("event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":")
                .append(seq).append(",\"response\":").append(String.format(response, "completed", message,
                        "{\"input_tokens\":12,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":200,"
                                + "\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":212}"))
                .append("}\n\n");
        return b.toString();
    }

    @Override
    protected BodyDecoder decoder(ChatSink sink) {
        return new ResponsesStreamDecoder(sink);
    }
}
