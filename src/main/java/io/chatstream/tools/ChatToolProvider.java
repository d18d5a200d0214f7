package io.chatstream.tools;

/**
 * Makes a {@link ChatTool} known by name. Found with {@link java.util.ServiceLoader}: a jar in {@code WEB-INF/lib}
 * with a {@code META-INF/services/io.chatstream.tools.ChatToolProvider} file naming the implementation adds a tool,
 * switched on with {@code chat.tools=<name>,...}. The built-in tools ({@code time}, {@code calculator}) are found
 * the same way.
 */
public interface ChatToolProvider {

    /** The name {@code chat.tools} lists and the model calls, {@code ^[a-zA-Z0-9_-]{1,64}$}. */
    String name();

    /**
     * Creates the tool, reading its own settings from {@link ToolContext#settings()}; called once at webapp start
     * when {@code chat.tools} names this provider.
     *
     * @throws io.chatstream.config.ConfigException a setting is missing or bad: start-up stops with its message
     */
    ChatTool create(ToolContext context);
}
