package io.chatstream.metrics;

import java.util.HashMap;
import java.util.Map;

/** Reads a Prometheus text exposition back, for tests. */
public final class MetricSamples {

    private MetricSamples() {
    }

    /** Sample values by {@code name{labels}} as written, e.g. {@code chat_tokens_total{type="chunk"}}. */
    public static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String value = line.substring(space + 1);
            samples.put(line.substring(0, space), value.equals("+Inf") ? Double.POSITIVE_INFINITY
                    : Double.parseDouble(value));
        }
        return samples;
    }
}
