package io.chatstream.backend.gemini;

import io.chatstream.backend.ChatSink;
import io.chatstream.backend.upstream.BodyDecoder;
import io.chatstream.bench.DecoderBenchmark;
import org.openjdk.jmh.annotations.Param;

/**
 * The Gemini stream decoder ({@link GeminiStreamDecoder}) on a realistic body of 200 tokens: events that are whole
 * {@code GenerateContentResponse}s as the API sends them (candidate, role, index, {@code usageMetadata},
 * {@code modelVersion}, {@code responseId}; CRLF line ends), {@code tokensPerEvent} tokens each, the last with
 * {@code finishReason}, fed in network-sized reads of {@code readBytes}. Gemini sends several tokens an event, so
 * {@code tokensPerEvent=8} is the realistic body; {@code 1} is the worst case, an event's whole envelope per token.
 * Scores are per token. In the package of the decoder, which is not public.
 */
public class GeminiDecoderBenchmark extends DecoderBenchmark {

    /** Tokens of text in one event. */
    @Param({"8", "1"})
    public int tokensPerEvent;

    private int events;

    @Override
    protected String body() {
        StringBuilder b = new StringBuilder();
        int token = 0;
        events = 0;
        while (token < TOKENS) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < tokensPerEvent && token < TOKENS; i++, token++) {
                text.append(WORDS[token % WORDS.length]);
            }
            boolean last = token == TOKENS;
            b.append("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"").append(text)
                    .append("\"}],\"role\": \"model\"},").append(last ? "\"finishReason\": \"STOP\"," : "")
                    .append("\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 12,\"candidatesTokenCount\": ")
                    .append(token).append(",\"totalTokenCount\": ").append(12 + token)
                    .append(",\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 12}]},")
                    .append("\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mAitaM_sIZmB1PIP4-LN4As\"}\r\n\r\n");
            events++;
        }
        return b.toString();
    }

    @Override
    protected BodyDecoder decoder(ChatSink sink) {
        return new GeminiStreamDecoder(sink);
    }

    @Override
    protected int expectedCalls() {
        return events;
    }
}
