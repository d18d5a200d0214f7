package io.chatstream.tools;

import io.chatstream.backend.BackendUnavailableException;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import io.chatstream.backend.ToolDefinition;
import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import io.chatstream.config.ToolsConfig;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The server tools {@code chat.tools} switched on, created once per webapp, and the one place a reply is started
 * with them: {@link #start} hands the reply to a {@link ToolLoop} when any tool is on, to the backend alone when
 * none is.
 */
public final class ServerTools implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ServerTools.class.getName());
    /** Threads and queue of the pool for tools that block. */
    private static final int BLOCKING_THREADS = 8;
    private static final int BLOCKING_QUEUE = 256;

    /** No tool on: replies go to the backend as they are. */
    public static final ServerTools NONE = new ServerTools(Map.of(), Duration.ofSeconds(30), 1, null, null);

    private final Map<String, ChatTool> tools;
    private final List<ToolDefinition> definitions;
    private final Duration timeout;
    private final int maxRounds;
    private final ScheduledExecutorService scheduler;
    private final BlockingToolPool blocking;

    ServerTools(Map<String, ChatTool> tools, Duration timeout, int maxRounds, ScheduledExecutorService scheduler,
                BlockingToolPool blocking) {
        this.tools = Map.copyOf(tools);
        this.definitions = tools.values().stream()
                .map(t -> new ToolDefinition(t.name(), t.description(), t.parametersSchema())).toList();
        this.timeout = timeout;
        this.maxRounds = maxRounds;
        this.scheduler = scheduler;
        this.blocking = blocking;
    }

    /**
     * Finds the providers of the tools {@code config} names through {@link ServiceLoader} on {@code classLoader} and
     * creates the tools.
     *
     * @param scheduler the webapp's scheduler: the loop's timers and hand-offs, never a tool's work
     * @throws ConfigException a name in {@code chat.tools} is no tool found, or a tool's own setting is bad
     */
    public static ServerTools load(ToolsConfig config, Settings settings, Clock clock, ClassLoader classLoader,
                                   ScheduledExecutorService scheduler) {
        if (config.enabled().isEmpty()) {
            return NONE;
        }
        Map<String, ChatToolProvider> found = providers(classLoader);
        for (String name : config.enabled()) {
            if (!found.containsKey(name)) {
                throw new ConfigException("Invalid setting chat.tools: no server tool named '" + name
                        + "'; expected a comma list of " + String.join(", ", found.keySet())
                        + " (the tools found on the classpath)");
            }
        }
        BlockingToolPool blocking = new BlockingToolPool(BLOCKING_THREADS, BLOCKING_QUEUE);
        ToolContext context = new ToolContext(settings, clock, blocking);
        Map<String, ChatTool> tools = new LinkedHashMap<>();
        try {
            for (String name : config.enabled()) {
                ChatTool tool = found.get(name).create(context);
                if (!name.equals(tool.name())) {
                    throw new ConfigException("Invalid setting chat.tools: the provider of '" + name
                            + "' made a tool named '" + tool.name() + "'");
                }
                tools.put(name, tool);
            }
        } catch (RuntimeException e) {
            blocking.close();
            throw e;
        }
        return new ServerTools(tools, config.timeout(), config.maxRounds(), scheduler, blocking);
    }

    private static Map<String, ChatToolProvider> providers(ClassLoader classLoader) {
        Map<String, ChatToolProvider> found = new TreeMap<>();
        var it = ServiceLoader.load(ChatToolProvider.class, classLoader).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                ChatToolProvider p = it.next();
                found.putIfAbsent(p.name(), p);
            } catch (ServiceConfigurationError e) {
                LOG.log(Level.WARNING, "A chat tool could not be loaded and is skipped: " + e.getMessage());
            }
        }
        return found;
    }

    /** The names of the tools on, in {@code chat.tools} order; empty when none. */
    public List<String> names() {
        return definitions.stream().map(ToolDefinition::name).toList();
    }

    /**
     * Starts a reply to {@code request}: with tools on, through a {@link ToolLoop} that offers them to the model
     * and runs the calls it makes; without, the backend's reply as it is.
     *
     * @param principal the authenticated principal the reply belongs to, or null; tools receive it
     */
    public Generation start(ChatBackend backend, ChatRequest request, ChatSink sink, String principal)
            throws BackendUnavailableException {
        if (tools.isEmpty()) {
            return backend.start(request, sink);
        }
        return new ToolLoop(this, backend, request, sink, principal).start();
    }

    List<ToolDefinition> definitions() {
        return definitions;
    }

    ChatTool tool(String name) {
        return tools.get(name);
    }

    Duration timeout() {
        return timeout;
    }

    int maxRounds() {
        return maxRounds;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** Interrupts the tool calls that still block; called once when the webapp stops. */
    @Override
    public void close() {
        if (blocking != null) {
            blocking.close();
        }
    }
}
