package io.chatstream.metrics;

/**
 * Writes the Prometheus text exposition format, version 0.0.4: {@code # HELP} and {@code # TYPE} lines, then one
 * sample a line, {@code name{label="value"} 42}, each line ending in LF. Label values escape {@code \}, {@code "}
 * and LF; help text escapes {@code \} and LF. Pure: builds a string, no I/O.
 *
 * <pre>
 * # HELP chat_streams_started_total Generations started.
 * # TYPE chat_streams_started_total counter
 * chat_streams_started_total 12
 * </pre>
 */
final class PrometheusWriter {

    /** The {@code Content-Type} of this format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(4096);

    /** Starts a metric family. {@code type} is {@code counter}, {@code gauge} or {@code histogram}. */
    PrometheusWriter family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ');
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
        out.append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    PrometheusWriter sample(String name, double value) {
        out.append(name).append(' ').append(number(value)).append('\n');
        return this;
    }

    PrometheusWriter sample(String name, String label, String labelValue, double value) {
        out.append(name).append('{').append(label).append("=\"");
        escapeLabelValue(labelValue);
        out.append("\"} ").append(number(value)).append('\n');
        return this;
    }

    private void escapeLabelValue(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
    }

    /** A sample value as Go's {@code strconv.ParseFloat} reads it: whole numbers without a fraction. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
