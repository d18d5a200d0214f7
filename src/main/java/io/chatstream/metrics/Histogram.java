package io.chatstream.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram of durations with fixed buckets: lock-free, one {@link LongAdder} per bucket. Buckets are
 * not cumulative in memory (each observation touches one adder); {@link #writeTo} makes them cumulative, as the text
 * format wants.
 */
final class Histogram {

    private final double[] upperBoundsSeconds;
    private final long[] upperBoundsNanos;
    private final LongAdder[] buckets;
    private final LongAdder count = new LongAdder();
    private final LongAdder sumNanos = new LongAdder();

    /** @param upperBoundsSeconds ascending bucket bounds; {@code +Inf} is added */
    Histogram(double... upperBoundsSeconds) {
        for (int i = 1; i < upperBoundsSeconds.length; i++) {
            if (!(upperBoundsSeconds[i] > upperBoundsSeconds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must ascend");
            }
        }
        this.upperBoundsSeconds = upperBoundsSeconds.clone();
        this.upperBoundsNanos = new long[upperBoundsSeconds.length];
        this.buckets = new LongAdder[upperBoundsSeconds.length + 1];
        for (int i = 0; i < upperBoundsSeconds.length; i++) {
            upperBoundsNanos[i] = Math.round(upperBoundsSeconds[i] * 1e9);
        }
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    void observeNanos(long nanos) {
        long n = Math.max(0, nanos);
        int i = 0;
        while (i < upperBoundsNanos.length && n > upperBoundsNanos[i]) {
            i++;
        }
        buckets[i].increment();
        sumNanos.add(n);
        count.increment();
    }

    long count() {
        return count.sum();
    }

    /** Writes {@code name_bucket{le=...}}, {@code name_sum} (seconds) and {@code name_count}. */
    void writeTo(PrometheusWriter out, String name) {
        // read count first: a concurrent observation then shows in the buckets, never a bucket above the count
        long total = count.sum();
        long cumulative = 0;
        for (int i = 0; i < upperBoundsSeconds.length; i++) {
            cumulative += buckets[i].sum();
            out.sample(name + "_bucket", "le", PrometheusWriter.number(upperBoundsSeconds[i]),
                    Math.min(cumulative, total));
        }
        out.sample(name + "_bucket", "le", "+Inf", total);
        out.sample(name + "_sum", sumNanos.sum() / 1e9);
        out.sample(name + "_count", total);
    }
}
