package io.chatstream.bench;

import io.chatstream.backend.ChatSink;
import io.chatstream.backend.upstream.BodyDecoder;
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
 * A dialect's stream decoder on a realistic body of {@value #TOKENS} tokens, fed in network-sized reads of
 * {@code readBytes}; scores are per token. A subclass, in the package of its decoder (which is not public), writes
 * the body and makes the decoder; each run checks that the body decoded to one end. Iterations of 5 s: shorter ones
 * scattered too much on a shared machine. {@link CpuTimePerToken} runs the same bodies in thread CPU time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
@State(Scope.Thread)
public abstract class DecoderBenchmark {

    /** Tokens of text in every body. */
    public static final int TOKENS = 200;

    /** The words the bodies' tokens cycle through, JSON-escaped: a quote and a newline among them. */
    protected static final String[] WORDS =
            {"Server", "-sent", " events", " stream", " tokens", " \\\"as\\\"", " they", " come", ".\\n"};

    /** Bytes per read: a small TCP segment, or a whole buffer. */
    @Param({"512", "16384"})
    public int readBytes;

    private byte[] body;

    @Setup
    public void setUp() {
        body = body().getBytes(StandardCharsets.UTF_8);
    }

    /** The body as the upstream sends it. */
    protected abstract String body();

    /** A new decoder reporting to {@code sink}. */
    protected abstract BodyDecoder decoder(ChatSink sink);

    /** The sink calls, before the end, that the body must decode to; {@code -1} to check only the one end. */
    protected int expectedCalls() {
        return -1;
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public CountingSink decode() {
        CountingSink sink = new CountingSink();
        BodyDecoder decoder = decoder(sink);
        for (int off = 0; off < body.length; off += readBytes) {
            decoder.feed(ByteBuffer.wrap(body, off, Math.min(readBytes, body.length - off)));
        }
        decoder.finish();
        if (sink.terminals != 1) {
            throw new IllegalStateException("the body did not end once");
        }
        int expected = expectedCalls();
        if (expected >= 0 && sink.calls != expected) {
            throw new IllegalStateException("the body decoded to " + sink.calls + " calls, not " + expected);
        }
        return sink;
    }
}
