package io.chatstream.tools.builtin;

import io.chatstream.tools.ChatTool;
import io.chatstream.tools.ChatToolProvider;
import io.chatstream.tools.ToolContext;

/** {@code chat.tools=time}: the {@link TimeTool}, telling time by the webapp's clock. */
public final class TimeToolProvider implements ChatToolProvider {

    @Override
    public String name() {
        return TimeTool.NAME;
    }

    @Override
    public ChatTool create(ToolContext context) {
        return new TimeTool(context.clock());
    }
}
