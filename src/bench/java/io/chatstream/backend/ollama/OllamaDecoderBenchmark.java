package io.chatstream.backend.ollama;

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
 * The Ollama stream decoder ({@link OllamaStreamDecoder}) on a realistic NDJSON body: 200 one-token lines and the
 * {@code done} line, fed in network-sized reads of {@code readBytes}. Scores are per token. In the package of the
 * decoder, which is not public.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class OllamaDecoderBenchmark {

    static final int TOKENS = 200;

    @Param({"512", "16384"})
    public int readBytes;

    private byte[] body;

    @Setup
    public void setUp() {
        StringBuilder b = new StringBuilder();
        String head = "{\"model\":\"qwen3:8b\",\"created_at\":\"2025-05-29T09:35:57.123456Z\",\"message\":{\"role\":"
                + "\"assistant\",\"content\":\"";
        String[] words = {"Server", "-sent", " events", " stream", " tokens", " \\\"as\\\"", " they", " come", ".\\n"};
        for (int i = 0; i < TOKENS; i++) {
            b.append(head).append(words[i % words.length]).append("\"},\"done\":false}\n");
        }
        b.append(head).append("\"},\"done\":true,\"done_reason\":\"stop\",\"total_duration\":4883583458,"
                + "\"prompt_eval_count\":26,\"eval_count\":200}\n");
        body = b.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public CountingSink decode() {
        CountingSink sink = new CountingSink();
        OllamaStreamDecoder decoder = new OllamaStreamDecoder(sink);
        for (int off = 0; off < body.length; off += readBytes) {
            decoder.feed(ByteBuffer.wrap(body, off, Math.min(readBytes, body.length - off)));
        }
        decoder.finish();
        if (sink.terminals != 1) {
            throw new IllegalStateException("the body did not end once");
        }
        return sink;
    }
}
