package io.chatstream.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PrometheusWriterTest {

    @Test
    void writesHelpTypeAndSamplesOneALine() {
        String text = new PrometheusWriter()
                .family("chat_x_total", "counter", "Things.")
                .sample("chat_x_total", 3)
                .toString();
        assertEquals("# HELP chat_x_total Things.\n# TYPE chat_x_total counter\nchat_x_total 3\n", text);
    }

    @Test
    void labelValuesCannotBreakTheLineOrTheQuotes() {
        String text = new PrometheusWriter().sample("m", "l", "a\"b\\c\nd", 1).toString();
        assertEquals("m{l=\"a\\\"b\\\\c\\nd\"} 1\n", text);
    }

    @Test
    void helpTextCannotStartANewLine() {
        String text = new PrometheusWriter().family("m", "gauge", "one\ntwo \\ three").toString();
        assertEquals("# HELP m one\\ntwo \\\\ three\n# TYPE m gauge\n", text);
    }

    @Test
    void numbersAreWrittenAsGoParsesThem() {
        assertEquals("0", PrometheusWriter.number(0));
        assertEquals("42", PrometheusWriter.number(42));
        assertEquals("0.25", PrometheusWriter.number(0.25));
        assertEquals("+Inf", PrometheusWriter.number(Double.POSITIVE_INFINITY));
        assertEquals("NaN", PrometheusWriter.number(Double.NaN));
    }
}
