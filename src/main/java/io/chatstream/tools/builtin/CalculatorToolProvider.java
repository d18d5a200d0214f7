package io.chatstream.tools.builtin;

import io.chatstream.tools.ChatTool;
import io.chatstream.tools.ChatToolProvider;
import io.chatstream.tools.ToolContext;

/** {@code chat.tools=calculator}: the {@link CalculatorTool}. */
public final class CalculatorToolProvider implements ChatToolProvider {

    @Override
    public String name() {
        return CalculatorTool.NAME;
    }

    @Override
    public ChatTool create(ToolContext context) {
        return new CalculatorTool();
    }
}
