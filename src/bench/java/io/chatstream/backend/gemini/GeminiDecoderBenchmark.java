package io.chatstream.backend.gemini;

import io.chatstream.bench.CountingSink;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The Gemini stream decoder ({@link GeminiStreamDecoder}) on a realistic body of 200 tokens: events that are whole
 * {@code GenerateContentResponse}s as the API sends them (candidate, role, index, {@code usageMetadata},
 * {@code modelVersion}, {@code responseId}; CRLF line ends), {@code tokensPerEvent} tokens each, the last with
 * {@code finishReason}, fed in network-sized reads of {@code readBytes}. Gemini sends several tokens an event, so
 * {@code tokensPerEvent=8} is the realistic body; {@code 1} is the worst case, an event's whole envelope per token.
 * Scores are per token. In the package of the decoder, which is not public.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class GeminiDecoderBenchmark {

    static final int TOKENS = 200;

    /** Bytes per read: a small TCP segment, or a whole buffer. */
    @Param({"512", "16384"})
    public int readBytes;

    /** Tokens of text in one event. */
    @Param({"8", "1"})
    public int tokensPerEvent;

    private byte[] body;
    private int events;

    @Setup
    public void setUp() {
        StringBuilder b = new StringBuilder();
        String[] words = {"Server", "-sent", " events", " stream", " tokens", " \\\"as\\\"", " they", " come", ".\\n"};
        int token = 0;
        events = 0;
        while (token < TOKENS) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < tokensPerEvent && token < TOKENS; i++, token++) {
                text.append(words[token % words.length]);
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
        body = b.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public CountingSink decode() {
        CountingSink sink = new CountingSink();
        GeminiStreamDecoder decoder = new GeminiStreamDecoder(sink);
        for (int off = 0; off < body.length; off += readBytes) {
            decoder.feed(ByteBuffer.wrap(body, off, Math.min(readBytes, body.length - off)));
        }
        decoder.finish();
        if (sink.terminals != 1 || sink.calls != events) {
            throw new IllegalStateException("the body did not decode to its events and one end");
        }
        return sink;
    }
}
