package io.chatstream.bench;

import io.chatstream.event.ChatEvent;
import io.chatstream.event.FinishReason;
import io.chatstream.event.Usage;
import io.chatstream.wire.ByteSink;
import io.chatstream.wire.EventJson;
import io.chatstream.wire.NdjsonFrames;
import io.chatstream.wire.SseFrames;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The per-event work of the wire layer: encoding an event as JSON ({@link EventJson}) and framing it
 * ({@link SseFrames}, {@link NdjsonFrames}). The server encodes each event once, when it is appended, and frames it
 * once per reader. Run with {@code src/bench/jmh.sh}; {@code -prof gc} adds allocation per operation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class FrameEncoderBenchmark {

    /** ascii: a typical English token; markdown: quotes, a newline, a backslash; cjk: three-byte UTF-8 and an emoji. */
    @Param({"ascii", "markdown", "cjk"})
    public String content;

    private ChatEvent chunk;
    private ChatEvent end;
    private byte[] chunkJson;
    private byte[] streamId;
    private ByteSink sink;

    @Setup
    public void setUp() {
        String text = switch (content) {
            case "ascii" -> "streaming ";
            case "markdown" -> "\"quoted\" `code`\\n and a real\nnewline ";
            case "cjk" -> "服务器发送事件 🙂 ";
            default -> throw new IllegalArgumentException(content);
        };
        chunk = new ChatEvent.Chunk(text);
        end = new ChatEvent.End(FinishReason.STOP, new Usage(12, 200));
        chunkJson = EventJson.encode(chunk);
        streamId = "q3mJ8bVf2c0aZ1kYxW9tNw".getBytes(StandardCharsets.US_ASCII);
        sink = new ByteSink(1024);
    }

    /** What the server does once per event: encode into a reused buffer. */
    @Benchmark
    public int encodeChunkIntoBuffer() {
        sink.reset();
        EventJson.encode(chunk, sink);
        return sink.size();
    }

    /** Encoding to a fresh array, as a caller without a buffer does. */
    @Benchmark
    public byte[] encodeChunkToArray() {
        return EventJson.encode(chunk);
    }

    @Benchmark
    public int encodeEndIntoBuffer() {
        sink.reset();
        EventJson.encode(end, sink);
        return sink.size();
    }

    /** What the server does once per event and reader: an SSE frame around the encoded JSON. */
    @Benchmark
    public int sseFrame() {
        sink.reset();
        SseFrames.event(sink, streamId, 123, chunkJson, 0, chunkJson.length);
        return sink.size();
    }

    @Benchmark
    public int ndjsonLine() {
        sink.reset();
        NdjsonFrames.event(sink, chunkJson, 0, chunkJson.length);
        return sink.size();
    }

    /** Both steps, for one reader. */
    @Benchmark
    public int encodeAndFrame() {
        sink.reset();
        EventJson.encode(chunk, sink);
        int n = sink.size();
        SseFrames.event(sink, streamId, 123, sink.array(), 0, n);
        return sink.size();
    }
}
