package io.chatstream.tools.builtin;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The calculator's arithmetic and its refusals, one row per rule. */
class CalculatorTest {

    private static final String ONLY = "; only numbers, + - * / ^ and parentheses are allowed";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "2 + 3 * 4            | 14",
            "(2 + 3) * 4.5        | 22.5",
            "0.1 + 0.2            | 0.3",
            "10 / 4               | 2.5",
            "1 / 3                | 0.3333333333333333",
            "2 ^ 10 / 8           | 128",
            "2 ^ 3 ^ 2            | 512",
            "-2 ^ 2               | -4",
            "(-2) ^ 2             | 4",
            "2 ^ -1               | 0.5",
            "4 ^ 0.5              | 2",
            "--3                  | 3",
            "7 - 10               | -3",
            "3 × 4 ÷ 2            | 6",
            ".5 + 1.              | 1.5",
            "10 ^ 30              | 1E+30",
            "1 - 1                | 0",
    })
    void evaluates(String expression, String value) {
        assertEquals(value, Calculator.evaluate(expression));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "\"\"                         | the expression is empty",
            "2 +                        | the expression ends too early",
            "1 / 0                      | division by zero at position 3",
            "0 ^ -1                     | division by zero at position 3",
            "(1 + 2                     | the '(' at position 1 is never closed",
            "1 + 2)                     | unexpected ')' at position 6" + ONLY,
            "java.lang.System.exit(0)   | unexpected 'j' at position 1" + ONLY,
            "1..2                       | '1..2' at position 1 is not a number",
            "(-8) ^ 0.5                 | no real result for the power at position 6",
            "10 ^ 999 ^ 999             | the result is out of range",
            "2 ^ 100000.5               | the result is out of range",
    })
    void refusesWithAClearMessage(String expression, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Calculator.evaluate(expression));
        assertEquals(message, e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void boundsLengthAndNesting() {
        assertEquals("the expression is longer than 500 characters",
                assertThrows(IllegalArgumentException.class, () -> Calculator.evaluate("1+".repeat(300) + "1"))
                        .getMessage());
        assertEquals("the expression is nested more than 50 deep", assertThrows(IllegalArgumentException.class,
                () -> Calculator.evaluate("(".repeat(60) + "1" + ")".repeat(60))).getMessage());
        assertEquals("the expression is nested more than 50 deep", assertThrows(IllegalArgumentException.class,
                () -> Calculator.evaluate("-".repeat(200) + "1")).getMessage());
    }
}
