package io.chatstream.tools.builtin;

import io.chatstream.tools.ChatTool;
import io.chatstream.tools.ToolArguments;
import io.chatstream.tools.ToolCallContext;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code calculator}: the value of an arithmetic expression ({@code {"expression":"(2 + 3) * 4.5"}} gives
 * {@code 22.5}), evaluated by {@link Calculator}: numbers and operators only, bounded in size, never a script.
 */
public final class CalculatorTool implements ChatTool {

    public static final String NAME = "calculator";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Evaluates an arithmetic expression exactly: decimals, + - * / ^ and parentheses. Use it for any"
                + " arithmetic instead of computing in your head.";
    }

    @Override
    public String parametersSchema() {
        return "{\"type\":\"object\",\"properties\":{\"expression\":{\"type\":\"string\",\"description\":"
                + "\"For example (2 + 3) * 4.5 or 2^10 / 8\"}},\"required\":[\"expression\"]}";
    }

    @Override
    public CompletionStage<String> call(ToolCallContext context) {
        String expression = ToolArguments.parse(context.arguments(), Set.of("expression"))
                .requiredString("expression", Calculator.MAX_LENGTH);
        return CompletableFuture.completedFuture(Calculator.evaluate(expression));
    }
}
