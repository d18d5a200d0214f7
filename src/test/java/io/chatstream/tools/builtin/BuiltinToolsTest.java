package io.chatstream.tools.builtin;

import io.chatstream.tools.ToolCallContext;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The {@code time} and {@code calculator} tools on their arguments: untrusted JSON, checked before use. */
class BuiltinToolsTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T19:30:05Z"), ZoneOffset.UTC);
    private final TimeTool time = new TimeTool(CLOCK);
    private final CalculatorTool calculator = new CalculatorTool();

    private static ToolCallContext args(String json) {
        return new ToolCallContext("call_1", json, null);
    }

    private static String result(java.util.concurrent.CompletionStage<String> stage) {
        return stage.toCompletableFuture().join();
    }

    @Test
    void timeInTheZoneAskedForUtcByDefault() {
        assertEquals("2026-12-03T19:30:05Z (UTC, Thursday)", result(time.call(args("{}"))));
        assertEquals("2026-12-03T19:30:05Z (UTC, Thursday)", result(time.call(args(""))));
        assertEquals("2026-12-03T20:30:05+01:00 (Europe/Paris, Thursday)",
                result(time.call(args("{\"zone\":\"Europe/Paris\"}"))));
        assertEquals("2026-12-04T04:30:05+09:00 (Asia/Tokyo, Friday)",
                result(time.call(args("{\"zone\":\" Asia/Tokyo \"}"))));
    }

    @Test
    void timeRefusesWhatIsNoZone() {
        assertEquals("unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Paris, or UTC",
                refusal(() -> time.call(args("{\"zone\":\"Mars/Olympus\"}"))));
        assertEquals("'zone' must be an IANA time zone such as Europe/Paris",
                refusal(() -> time.call(args("{\"zone\":\"../../etc/passwd\\n\"}"))));
        assertEquals("'zone' must be a string", refusal(() -> time.call(args("{\"zone\":42}"))));
        assertEquals("unknown argument 'city'; expected zone", refusal(() -> time.call(args("{\"city\":\"Paris\"}"))));
        assertEquals("the arguments are not valid JSON", refusal(() -> time.call(args("{\"zone\":"))));
        assertEquals("the arguments must be a JSON object", refusal(() -> time.call(args("[\"UTC\"]"))));
        assertEquals("the arguments are not valid JSON", refusal(() -> time.call(args("[".repeat(100)))));
    }

    @Test
    void calculatorEvaluatesItsExpressionArgument() {
        assertEquals("22.5", result(calculator.call(args("{\"expression\":\"(2 + 3) * 4.5\"}"))));
        assertEquals("'expression' is required", refusal(() -> calculator.call(args("{}"))));
        assertEquals("unexpected 'M' at position 1; only numbers, + - * / ^ and parentheses are allowed",
                refusal(() -> calculator.call(args("{\"expression\":\"Math.random()\"}"))));
    }

    private static String refusal(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(IllegalArgumentException.class, call).getMessage();
    }
}
