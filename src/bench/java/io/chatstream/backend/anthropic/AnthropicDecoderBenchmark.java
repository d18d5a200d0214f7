package io.chatstream.backend.anthropic;

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
 * The Anthropic Messages stream decoder ({@link AnthropicStreamDecoder}) on a realistic body: {@code message_start},
 * a text block of 200 one-token {@code text_delta} events (each with its {@code event:} line, as the API sends
 * them), a ping, {@code content_block_stop}, {@code message_delta} and {@code message_stop}, fed in network-sized
 * reads of {@code readBytes}. Scores are per token. In the package of the decoder, which is not public.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class AnthropicDecoderBenchmark {

    static final int TOKENS = 200;

    /** Bytes per read: a small TCP segment, or a whole buffer. */
    @Param({"512", "16384"})
    public int readBytes;

    private byte[] body;

    @Setup
    public void setUp() {
        StringBuilder b = new StringBuilder();
        b.append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5\","
                + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,"
                + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n");
        b.append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        b.append("event: ping\ndata: {\"type\": \"ping\"}\n\n");
        String[] words = {"Server", "-sent", " events", " stream", " tokens", " \\\"as\\\"", " they", " come", ".\\n"};
        for (int i = 0; i < TOKENS; i++) {
            b.append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                    + "{\"type\":\"text_delta\",\"text\":\"").append(words[i % words.length]).append("\"}}\n\n");
        }
        b.append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        b.append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":200}}\n\n");
        b.append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        body = b.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public CountingSink decode() {
        CountingSink sink = new CountingSink();
        AnthropicStreamDecoder decoder = new AnthropicStreamDecoder(sink);
        for (int off = 0; off < body.length; off += readBytes) {
            decoder.feed(ByteBuffer.wrap(body, off, Math.min(readBytes, body.length - off)));
        }
        decoder.finish();
        if (sink.terminals != 1 || sink.calls != TOKENS) {
            throw new IllegalStateException("the body did not decode to its tokens and one end");
        }
        return sink;
    }
}
