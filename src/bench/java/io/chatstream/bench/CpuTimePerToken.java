package io.chatstream.bench;

import org.openjdk.jmh.annotations.Param;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoder benchmarks' bodies timed in thread CPU time rather than wall time, for a machine shared with other
 * work, where JMH's wall-clock scores mostly measure how long the thread waited for a core:
 * <pre>
 * src/bench/jmh.sh -l &gt;/dev/null   # builds, and writes target/bench/classpath.txt
 * java -cp "target/classes:target/test-classes:$(cat target/bench/classpath.txt)" io.chatstream.bench.CpuTimePerToken
 * </pre>
 * With no arguments every dialect's benchmark is run; else the named {@link DecoderBenchmark} classes. Each runs for
 * every combination of its {@code @Param} fields ({@code readBytes}, and Gemini's {@code tokensPerEvent}): warmed for
 * {@value #WARM_UP_SECONDS} CPU seconds, then timed in five rounds of one CPU second. Printed per token: the CPU time
 * of the best round (the one least disturbed by the others on the machine) and the bytes allocated, which the load
 * does not change (JMH's {@code -prof gc} figure).
 */
public final class CpuTimePerToken {

    private static final int WARM_UP_SECONDS = 4;
    private static final long SECOND = 1_000_000_000L;
    private static final String[] DIALECTS = {"io.chatstream.backend.openai.OpenAiDecoderBenchmark",
            "io.chatstream.backend.openai.ResponsesDecoderBenchmark", "io.chatstream.backend.ollama.OllamaDecoderBenchmark",
            "io.chatstream.backend.anthropic.AnthropicDecoderBenchmark",
            "io.chatstream.backend.gemini.GeminiDecoderBenchmark"};

    private CpuTimePerToken() {
    }

    public static void main(String[] args) throws Exception {
        for (String name : args.length > 0 ? args : DIALECTS) {
            Class<?> benchmark = Class.forName(name);
            List<Field> params = new ArrayList<>();
            for (Field f : benchmark.getFields()) {
                if (f.isAnnotationPresent(Param.class) && !Modifier.isStatic(f.getModifiers())) {
                    params.add(f);
                }
            }
            run(benchmark, params, new String[params.size()], 0);
        }
    }

    /** Every combination of the benchmark's parameter values, as JMH would run them. */
    private static void run(Class<?> benchmark, List<Field> params, String[] values, int i) throws Exception {
        if (i < params.size()) {
            for (String value : params.get(i).getAnnotation(Param.class).value()) {
                values[i] = value;
                run(benchmark, params, values, i + 1);
            }
            return;
        }
        DecoderBenchmark state = (DecoderBenchmark) benchmark.getConstructor().newInstance();
        StringBuilder label = new StringBuilder(benchmark.getSimpleName());
        for (int k = 0; k < params.size(); k++) {
            params.get(k).setInt(state, Integer.parseInt(values[k]));
            label.append(' ').append(params.get(k).getName()).append('=').append(values[k]);
        }
        Method setUp = benchmark.getMethod("setUp");
        setUp.invoke(state);
        measure(label.toString(), state);
    }

    private static void measure(String label, DecoderBenchmark state) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long warmUntil = threads.getCurrentThreadCpuTime() + WARM_UP_SECONDS * SECOND;
        while (threads.getCurrentThreadCpuTime() < warmUntil) {
            state.decode();
        }
        double best = Double.MAX_VALUE;
        double bytes = Double.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long start = threads.getCurrentThreadCpuTime();
            long allocated = threads.getThreadAllocatedBytes(thread);
            long runs = 0;
            long spent;
            do {
                state.decode();
                runs++;
                spent = threads.getCurrentThreadCpuTime() - start;
            } while (spent < SECOND);
            double perToken = (double) runs * DecoderBenchmark.TOKENS;
            best = Math.min(best, spent / perToken);
            bytes = Math.min(bytes, (threads.getThreadAllocatedBytes(thread) - allocated) / perToken);
        }
        System.out.printf("%-72s %5.0f ns CPU/token %5.0f B/token%n", label, best, bytes);
    }
}
