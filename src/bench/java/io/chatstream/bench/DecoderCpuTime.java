package io.chatstream.bench;

import io.chatstream.backend.anthropic.AnthropicDecoderBenchmark;
import io.chatstream.backend.gemini.GeminiDecoderBenchmark;
import io.chatstream.backend.openai.OpenAiDecoderBenchmark;

import java.lang.management.ManagementFactory;
import java.util.function.Supplier;

/**
 * The decoder benchmarks' bodies timed by the CPU time of the measuring thread rather than the wall clock: on a
 * machine whose cores are shared with other busy processes, JMH's wall-clock scores mostly measure how long the
 * thread waited for a core, while the CPU time a token costs stays readable. Per token: the best of five 1 s rounds
 * after an 8 s warm-up (long, for a JIT compiler that shares the cores too), and the bytes allocated (JMH's
 * {@code -prof gc} figure, which the load does not disturb).
 *
 * <pre>
 * mvn -q test-compile &amp;&amp; java -cp "target/classes:target/test-classes:$(cat target/bench/classpath.txt)" \
 *     io.chatstream.bench.DecoderCpuTime
 * </pre>
 * ({@code target/bench/classpath.txt} is written by {@code src/bench/jmh.sh}.)
 */
public final class DecoderCpuTime {

    private DecoderCpuTime() {
    }

    public static void main(String[] args) {
        for (int readBytes : new int[] {512, 16384}) {
            AnthropicDecoderBenchmark anthropic = new AnthropicDecoderBenchmark();
            anthropic.readBytes = readBytes;
            anthropic.setUp();
            measure("anthropic, reads of " + readBytes + " B", DecoderBenchmark.TOKENS, anthropic::decode);
            for (int tokensPerEvent : new int[] {8, 1}) {
                GeminiDecoderBenchmark gemini = new GeminiDecoderBenchmark();
                gemini.readBytes = readBytes;
                gemini.tokensPerEvent = tokensPerEvent;
                gemini.setUp();
                measure("gemini, " + tokensPerEvent + " token(s) an event, reads of " + readBytes + " B",
                        DecoderBenchmark.TOKENS, gemini::decode);
            }
            OpenAiDecoderBenchmark openAi = new OpenAiDecoderBenchmark();
            openAi.readBytes = readBytes;
            openAi.setUp();
            measure("openai, reads of " + readBytes + " B", DecoderBenchmark.TOKENS, openAi::decode);
        }
    }

    private static void measure(String name, int tokens, Supplier<CountingSink> body) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long warmUntil = System.nanoTime() + 8_000_000_000L;
        long calls = 0;
        while (System.nanoTime() < warmUntil) {
            calls += body.get().calls;
        }
        double bestNanos = Double.MAX_VALUE;
        double bytes = 0;
        for (int round = 0; round < 5; round++) {
            long cpu0 = threads.getCurrentThreadCpuTime();
            long alloc0 = threads.getThreadAllocatedBytes(thread);
            long runs = 0;
            long until = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < until) {
                calls += body.get().calls;
                runs++;
            }
            bestNanos = Math.min(bestNanos, (threads.getCurrentThreadCpuTime() - cpu0) / (double) runs / tokens);
            bytes = (threads.getThreadAllocatedBytes(thread) - alloc0) / (double) runs / tokens;
        }
        System.out.printf("%-50s %6.0f ns CPU/token %6.0f B/token (%d calls)%n", name, bestNanos, bytes, calls);
    }
}
