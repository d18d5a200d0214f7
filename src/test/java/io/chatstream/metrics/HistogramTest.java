package io.chatstream.metrics;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HistogramTest {

    @Test
    void bucketsAreCumulativeWithInfSumAndCount() {
        Histogram h = new Histogram(0.1, 1, 10);
        h.observeNanos(TimeUnit.MILLISECONDS.toNanos(50));
        h.observeNanos(TimeUnit.MILLISECONDS.toNanos(100)); // on the bound: in le="0.1"
        h.observeNanos(TimeUnit.MILLISECONDS.toNanos(500));
        h.observeNanos(TimeUnit.SECONDS.toNanos(60));
        PrometheusWriter out = new PrometheusWriter();
        h.writeTo(out, "d");
        assertEquals("""
                d_bucket{le="0.1"} 2
                d_bucket{le="1"} 3
                d_bucket{le="10"} 3
                d_bucket{le="+Inf"} 4
                d_sum 60.65
                d_count 4
                """, out.toString());
    }

    @Test
    void negativeDurationsCountAsZero() {
        Histogram h = new Histogram(1);
        h.observeNanos(-5);
        assertEquals(1, h.count());
    }

    @Test
    void boundsMustAscend() {
        assertThrows(IllegalArgumentException.class, () -> new Histogram(1, 1));
    }
}
