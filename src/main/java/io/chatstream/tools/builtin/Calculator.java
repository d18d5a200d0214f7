package io.chatstream.tools.builtin;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * Evaluates arithmetic from an untrusted text: decimals, {@code + - * / ^}, unary minus and parentheses, nothing
 * else (no names, no functions, no script engine). A recursive descent parser over the characters, bounded in length
 * ({@value #MAX_LENGTH}) and nesting ({@value #MAX_DEPTH}); numbers are {@link BigDecimal}s of 16 significant
 * digits, so {@code 0.1 + 0.2} is {@code 0.3}. {@code ^} binds tightest and to the right; a whole exponent is exact
 * up to {@value #MAX_EXPONENT}, another one goes through {@code double}.
 *
 * <p>Every refusal is an {@link IllegalArgumentException} whose message says what and where, in words.
 */
public final class Calculator {

    static final int MAX_LENGTH = 500;
    static final int MAX_DEPTH = 50;
    static final int MAX_EXPONENT = 999;
    private static final MathContext MATH = MathContext.DECIMAL64;

    private final String text;
    private int pos;
    private int depth;

    private Calculator(String text) {
        this.text = text;
    }

    /** The value of {@code expression}, as plain text ({@code 14}, {@code 0.5}, {@code 1.5E+40}). */
    public static String evaluate(String expression) {
        if (expression.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("the expression is longer than " + MAX_LENGTH + " characters");
        }
        Calculator c = new Calculator(expression);
        BigDecimal value;
        try {
            value = c.expression();
            c.skipSpaces();
            if (c.pos < c.text.length()) {
                throw c.unexpected();
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("the result is out of range");
        }
        return format(value);
    }

    static String format(BigDecimal value) {
        BigDecimal v = value.stripTrailingZeros();
        if (v.signum() == 0) {
            return "0";
        }
        int magnitude = v.precision() - v.scale();
        return magnitude > 21 || magnitude < -6 ? v.toString() : v.toPlainString();
    }

    private BigDecimal expression() {
        if (++depth > MAX_DEPTH) {
            throw new IllegalArgumentException("the expression is nested more than " + MAX_DEPTH + " deep");
        }
        BigDecimal value = term();
        while (true) {
            char op = peek();
            if (op == '+') {
                pos++;
                value = value.add(term(), MATH);
            } else if (op == '-') {
                pos++;
                value = value.subtract(term(), MATH);
            } else {
                depth--;
                return value;
            }
        }
    }

    private BigDecimal term() {
        BigDecimal value = power();
        while (true) {
            char op = peek();
            if (op == '*' || op == '×') {
                pos++;
                value = value.multiply(power(), MATH);
            } else if (op == '/' || op == '÷') {
                int at = pos++;
                BigDecimal divisor = power();
                if (divisor.signum() == 0) {
                    throw new IllegalArgumentException("division by zero at position " + (at + 1));
                }
                value = value.divide(divisor, MATH);
            } else {
                return value;
            }
        }
    }

    /** A unary term, then {@code ^} and a power (right-associative): {@code 2^3^2} is 512, {@code -2^2} is -4. */
    private BigDecimal power() {
        char sign = peek();
        if (sign == '-' || sign == '+') {
            pos++;
            if (++depth > MAX_DEPTH) {
                throw new IllegalArgumentException("the expression is nested more than " + MAX_DEPTH + " deep");
            }
            BigDecimal v = power();
            depth--;
            return sign == '-' ? v.negate() : v;
        }
        BigDecimal base = primary();
        if (peek() != '^') {
            return base;
        }
        int at = pos++;
        return raise(base, power(), at);
    }

    private static BigDecimal raise(BigDecimal base, BigDecimal exponent, int at) {
        BigDecimal whole = exponent.stripTrailingZeros();
        if (whole.scale() <= 0 && whole.abs().compareTo(BigDecimal.valueOf(MAX_EXPONENT)) <= 0) {
            int n = whole.intValueExact();
            if (n < 0 && base.signum() == 0) {
                throw new IllegalArgumentException("division by zero at position " + (at + 1));
            }
            return base.pow(n, MATH);
        }
        double r = Math.pow(base.doubleValue(), exponent.doubleValue());
        if (Double.isNaN(r)) {
            throw new IllegalArgumentException("no real result for the power at position " + (at + 1));
        }
        if (Double.isInfinite(r)) {
            throw new IllegalArgumentException("the result is out of range");
        }
        return new BigDecimal(r, MATH);
    }

    private BigDecimal primary() {
        char c = peek();
        if (c == '(') {
            int open = pos++;
            BigDecimal value = expression();
            if (peek() != ')') {
                throw new IllegalArgumentException("the '(' at position " + (open + 1) + " is never closed");
            }
            pos++;
            return value;
        }
        if ((c >= '0' && c <= '9') || c == '.') {
            return number();
        }
        throw unexpected();
    }

    private BigDecimal number() {
        int start = pos;
        int dots = 0;
        while (pos < text.length() && (Character.isDigit(text.charAt(pos)) && text.charAt(pos) < 128
                || text.charAt(pos) == '.')) {
            if (text.charAt(pos) == '.') {
                dots++;
            }
            pos++;
        }
        String digits = text.substring(start, pos);
        if (dots > 1 || digits.equals(".")) {
            throw new IllegalArgumentException("'" + digits + "' at position " + (start + 1) + " is not a number");
        }
        return new BigDecimal(digits, MATH);
    }

    /** The next character after spaces, or 0 at the end; does not consume it. */
    private char peek() {
        skipSpaces();
        return pos < text.length() ? text.charAt(pos) : 0;
    }

    private void skipSpaces() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private IllegalArgumentException unexpected() {
        if (pos >= text.length()) {
            return new IllegalArgumentException(text.isBlank() ? "the expression is empty"
                    : "the expression ends too early");
        }
        int cp = text.codePointAt(pos);
        String shown = Character.isISOControl(cp) ? String.format("U+%04X", cp) : "'" + Character.toString(cp) + "'";
        return new IllegalArgumentException("unexpected " + shown + " at position " + (pos + 1)
                + "; only numbers, + - * / ^ and parentheses are allowed");
    }
}
