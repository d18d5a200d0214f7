package io.chatstream.backend.openai;

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
 * The OpenAI-dialect stream decoder ({@link OpenAiStreamDecoder}) on a realistic body: a role chunk, 200 one-token
 * content chunks, a finish chunk, a usage chunk and {@code [DONE]}, fed in network-sized reads of {@code readBytes}.
 * Scores are per token. In the package of the decoder, which is not public.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class OpenAiDecoderBenchmark {

    static final int TOKENS = 200;

    /** Bytes per read: a small TCP segment, or a whole buffer. */
    @Param({"512", "16384"})
    public int readBytes;

    private byte[] body;

    @Setup
    public void setUp() {
        StringBuilder b = new StringBuilder();
        String head = "data: {\"id\":\"chatcmpl-9x\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,"
                + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":";
        b.append(head).append("{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        String[] words = {"Server", "-sent", " events", " stream", " tokens", " \\\"as\\\"", " they", " come", ".\\n"};
        for (int i = 0; i < TOKENS; i++) {
            b.append(head).append("{\"content\":\"").append(words[i % words.length])
                    .append("\"},\"finish_reason\":null}]}\n\n");
        }
        b.append(head).append("{},\"finish_reason\":\"stop\"}]}\n\n");
        b.append("data: {\"id\":\"chatcmpl-9x\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":200,\"total_tokens\":212}}\n\n");
        b.append("data: [DONE]\n\n");
        body = b.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public CountingSink decode() {
        CountingSink sink = new CountingSink();
        OpenAiStreamDecoder decoder = new OpenAiStreamDecoder(sink);
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
