package io.chatstream.web;

import io.chatstream.app.ChatApplication;
import io.chatstream.app.Deadline;
import io.chatstream.config.ChatConfig;
import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import io.chatstream.conversation.Conversations;
import io.chatstream.diagnostics.Diagnostics;
import io.chatstream.metrics.ChatMetrics;
import io.chatstream.stream.Delivery;
import io.chatstream.stream.StreamRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

/**
 * The webapp's composition root on the servlet side: starts the {@link ChatApplication} with the servlet context,
 * builds the web layer on it (each servlet and filter gets its collaborators through its constructor) and, when
 * the context stops, runs the {@link StopSequence}. Declared in {@code WEB-INF/web.xml}, so the WAR and the dev
 * server start the same way.
 *
 * <p>A bad setting stops start-up: one log line names it, and the container marks the webapp failed.
 */
public final class ChatContextListener implements ServletContextListener {

    private static final System.Logger LOG = System.getLogger(ChatContextListener.class.getName());

    /** The context attribute that holds the running {@link ChatApplication}. */
    public static final String APP_ATTRIBUTE = ChatApplication.class.getName();

    /**
     * A context attribute a test may set before the webapp starts: the {@link Clock} the limits of one node count
     * on, so a test moves a minute by hand instead of waiting one. Not a setting: nothing outside the JVM reaches it.
     */
    public static final String CLOCK_ATTRIBUTE = "io.chatstream.limits.Clock";

    /**
     * The context attribute that holds the stop's first steps (a {@link Runnable}: refuse, tell readers, drain, end
     * streams), for an embedding server to run before it stops the webapp, while its connectors still serve: a
     * cluster node's health then says {@code draining} and its readers reconnect elsewhere. Run once, whoever
     * runs it first (the exit hook, this, or the webapp's stop); the others wait for it.
     */
    public static final String END_STREAMS_ATTRIBUTE = "io.chatstream.web.EndStreams";

    /** Connection tests at once, server-wide ({@code GET /api/diagnostics}). */
    private static final int MAX_DIAGNOSTICS = 32;
    /** Connection tests at once of one client: a page runs one; a second tab, or a retry while one ends. */
    private static final int MAX_DIAGNOSTICS_PER_CLIENT = 2;

    /** The webapp's stop; null before the start and after the stop. */
    private volatile StopSequence stop;
    /**
     * Ends the streams as soon as the JVM begins to exit. Containers stop their webapps from their own exit hooks,
     * and standalone Jetty stops its connectors, closing every connection, before it stops the webapps: the streams
     * would be cut without their {@code retry:}. Tomcat stops webapps first; there this only comes a little earlier.
     */
    private Thread exitHook;

    /** Builds the application, then the web layer on it: each servlet and filter gets what it uses. */
    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext ctx = event.getServletContext();
        ChatMetrics metrics = new ChatMetrics();
        ChatApplication app;
        try {
            Clock clock = ctx.getAttribute(CLOCK_ATTRIBUTE) instanceof Clock c ? c : Clock.systemUTC();
            app = ChatApplication.start(Settings.fromSystem(ctx::getInitParameter), List.of(metrics),
                    ctx.getClassLoader(), ctx.getContextPath(), clock);
        } catch (ConfigException e) {
            LOG.log(Level.ERROR, "Chat server not started. " + e.getMessage());
            throw e;
        }
        ctx.setAttribute(APP_ATTRIBUTE, app);
        ChatConfig config = app.config();
        StreamRegistry registry = app.registry();

        AsyncRequests requests = new AsyncRequests();
        ctx.addListener(requests);
        ApiGate gate = new ApiGate(config);
        JsonBodies bodies = new JsonBodies(config.maxBodyBytes(), config.bodyTimeout(), app.scheduler(), requests);
        StreamOpener opener = new StreamOpener(registry, app.replyLimits(), new Refusals(config.maxStreamsPerClient()));
        StreamResponses responses = new StreamResponses(app.scheduler(), app.observer(), Delivery.Pacing.of(config),
                registry::shutdownRetryMillis);
        Diagnostics diagnostics = new Diagnostics(app.scheduler(), config.keepAlive().toSeconds(), MAX_DIAGNOSTICS,
                MAX_DIAGNOSTICS_PER_CLIENT);

        FilterRegistration.Dynamic headers = ctx.addFilter("security-headers",
                new SecurityHeadersFilter(config.corsAllowedOrigins()));
        headers.setAsyncSupported(true);
        headers.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ERROR), false, "/*");
        FilterRegistration.Dynamic cors = ctx.addFilter("cors", new CorsFilter(config));
        cors.setAsyncSupported(true);
        cors.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/api/*");

        add(ctx, "chat", new ChatServlet(gate, requests, app.requestParser(), bodies, registry, opener, responses),
                "/api/chat", "/api/chat/*");
        Conversations conversations = app.conversations();
        if (conversations != null) { // off: every /api/conversations path is a 404 like any unknown one
            add(ctx, "conversations", new ConversationsServlet(conversations, app.requestParser(),
                    config.maxMessages(), config.maxBodyBytes(), gate, requests, bodies, opener, responses),
                    "/api/conversations", "/api/conversations/*");
        }
        add(ctx, "health", new HealthServlet(app.backendName(), registry::draining), "/api/health");
        add(ctx, "models", new ModelsServlet(app.models(), gate, requests), "/api/models");
        add(ctx, "diagnostics", new DiagnosticsServlet(diagnostics, gate, requests), "/api/diagnostics");
        if (config.metricsAccess() != ChatConfig.MetricsAccess.OFF) { // off: a 404 like any unknown API path
            ApiGate metricsGate = config.metricsAccess() == ChatConfig.MetricsAccess.OPEN ? null : gate;
            add(ctx, "metrics", new MetricsServlet(metrics, registry,
                    conversations == null ? null : conversations.store(), metricsGate,
                    app.redis() == null ? null : app::clusterCounts), "/api/metrics");
        }
        add(ctx, "api-not-found", new ApiNotFoundServlet(), "/api/*");

        Duration bound = StopSequence.bound(app);
        StopSequence s = new StopSequence(bodies, diagnostics, app, requests, bound);
        stop = s;
        Runnable endStreams = () -> s.endStreams(Deadline.in(bound));
        ctx.setAttribute(END_STREAMS_ATTRIBUTE, endStreams);
        exitHook = new Thread(endStreams, "chat-exit");
        exitHook.setContextClassLoader(null); // it runs while the container unloads the webapp
        Runtime.getRuntime().addShutdownHook(exitHook);
    }

    /** Runs the {@link StopSequence}: it returns once the container has finished every request it ended. */
    @Override
    public void contextDestroyed(ServletContextEvent event) {
        event.getServletContext().removeAttribute(APP_ATTRIBUTE);
        event.getServletContext().removeAttribute(END_STREAMS_ATTRIBUTE);
        removeExitHook();
        StopSequence s = stop;
        stop = null;
        if (s != null) {
            s.run();
        }
    }

    /** The hook the JVM runs when it begins to exit (null once the webapp stopped). */
    Thread exitHook() {
        return exitHook;
    }

    /**
     * Unregisters the exit hook. When the JVM is exiting already the hook has begun to end the streams, or will:
     * the stop's own first steps wait for it.
     */
    private void removeExitHook() {
        Thread hook = exitHook;
        exitHook = null;
        if (hook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException exiting) {
            LOG.log(Level.DEBUG, "The JVM is exiting: its hook ends the streams");
        }
    }

    private static void add(ServletContext ctx, String name, jakarta.servlet.Servlet servlet, String... paths) {
        ServletRegistration.Dynamic reg = ctx.addServlet(name, servlet);
        reg.setAsyncSupported(true);
        reg.addMapping(paths);
    }
}
