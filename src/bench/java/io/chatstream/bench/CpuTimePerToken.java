package io.chatstream.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * The decoder benchmarks' bodies timed in thread CPU time rather than wall time, for a machine shared with other
 * work, where wall time mostly measures the others:
 * <pre>
 * java -cp "target/classes:target/test-classes:$(cat target/bench/classpath.txt)" io.chatstream.bench.CpuTimePerToken \
 *     io.chatstream.backend.openai.OpenAiDecoderBenchmark io.chatstream.backend.ollama.OllamaDecoderBenchmark
 * </pre>
 * Each named JMH benchmark class (a public {@code readBytes} field, {@code setUp()}, {@code decode()} of
 * {@code TOKENS} tokens) is warmed for four CPU seconds per read size, then timed in five rounds of one CPU second;
 * the best round is printed, per token.
 */
public final class CpuTimePerToken {

    private static final long WARM_UP_NANOS = 4_000_000_000L;
    private static final long ROUND_NANOS = 1_000_000_000L;

    private CpuTimePerToken() {
    }

    public static void main(String[] args) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (String name : args) {
            Class<?> benchmark = Class.forName(name);
            Field tokensField = benchmark.getDeclaredField("TOKENS");
            tokensField.setAccessible(true); // package-private beside its decoder
            int tokens = tokensField.getInt(null);
            for (int readBytes : new int[] {512, 16384}) {
                Object state = benchmark.getConstructor().newInstance();
                benchmark.getField("readBytes").setInt(state, readBytes);
                benchmark.getMethod("setUp").invoke(state);
                Method decode = benchmark.getMethod("decode");
                long warmUntil = threads.getCurrentThreadCpuTime() + WARM_UP_NANOS;
                while (threads.getCurrentThreadCpuTime() < warmUntil) {
                    decode.invoke(state);
                }
                double best = Double.MAX_VALUE;
                for (int round = 0; round < 5; round++) {
                    long start = threads.getCurrentThreadCpuTime();
                    long runs = 0;
                    long spent;
                    do {
                        decode.invoke(state);
                        runs++;
                        spent = threads.getCurrentThreadCpuTime() - start;
                    } while (spent < ROUND_NANOS);
                    best = Math.min(best, spent / (double) runs / tokens);
                }
                System.out.printf("%s readBytes=%d: %.0f ns CPU per token%n", benchmark.getSimpleName(), readBytes,
                        best);
            }
        }
    }
}
