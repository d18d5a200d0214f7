package io.chatstream.web;

import io.chatstream.app.ChatApplication;
import io.chatstream.config.ChatConfig;
import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import io.chatstream.diagnostics.Diagnostics;
import io.chatstream.metrics.ChatMetrics;
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
 * Starts and stops the webapp's {@link ChatApplication} with the servlet context, and registers the API's servlets
 * with it. Declared in {@code WEB-INF/web.xml}, so the WAR and the dev server start the same way.
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

    /** Connection tests at once, server-wide ({@code GET /api/diagnostics}). */
    private static final int MAX_DIAGNOSTICS = 32;
    /** Connection tests at once of one client: a page runs one; a second tab, or a retry while one ends. */
    private static final int MAX_DIAGNOSTICS_PER_CLIENT = 2;

    /** How long the webapp's stop waits for the container to finish the requests the stop ended. */
    private static final Duration REQUESTS_WAIT = Duration.ofSeconds(5);

    /** How long the webapp's stop waits for the end of streams that the JVM's exit began. */
    private static final long EXIT_HOOK_WAIT_MILLIS = 5000;

    private volatile ChatApplication app;
    private volatile Diagnostics diagnostics;
    private AsyncRequests requests;
    private volatile ChatServlet chat;
    /**
     * Ends the streams as soon as the JVM begins to exit. Containers stop their webapps from their own exit hooks,
     * and standalone Jetty stops its connectors, closing every connection, before it stops the webapps: the streams
     * would be cut without their {@code retry:}. Tomcat stops webapps first; there this only comes a little earlier.
     */
    private Thread exitHook;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext ctx = event.getServletContext();
        ChatMetrics metrics = new ChatMetrics();
        try {
            Clock clock = ctx.getAttribute(CLOCK_ATTRIBUTE) instanceof Clock c ? c : Clock.systemUTC();
            app = ChatApplication.start(Settings.fromSystem(ctx::getInitParameter), List.of(metrics),
                    ctx.getClassLoader(), ctx.getContextPath(), clock);
        } catch (ConfigException e) {
            LOG.log(Level.ERROR, "Chat server not started. " + e.getMessage());
            throw e;
        }
        ctx.setAttribute(APP_ATTRIBUTE, app);
        ApiGate gate = new ApiGate(app.config());
        requests = new AsyncRequests();
        ctx.addListener(requests);
        FilterRegistration.Dynamic headers = ctx.addFilter("security-headers",
                new SecurityHeadersFilter(app.config().corsAllowedOrigins()));
        headers.setAsyncSupported(true);
        headers.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ERROR), false, "/*");
        FilterRegistration.Dynamic cors = ctx.addFilter("cors", new CorsFilter(app.config()));
        cors.setAsyncSupported(true);
        cors.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/api/*");
        chat = new ChatServlet(app, gate, requests);
        add(ctx, "chat", chat, "/api/chat", "/api/chat/*");
        if (app.conversations() != null) { // off: every /api/conversations path is a 404 like any unknown one
            add(ctx, "conversations", new ConversationsServlet(app, gate, requests, chat), "/api/conversations",
                    "/api/conversations/*");
        }
        add(ctx, "health", new HealthServlet(app.backendName()), "/api/health");
        add(ctx, "models", new ModelsServlet(app.models(), gate, requests), "/api/models");
        diagnostics = new Diagnostics(app.scheduler(), app.config().keepAlive().toSeconds(), MAX_DIAGNOSTICS,
                MAX_DIAGNOSTICS_PER_CLIENT);
        add(ctx, "diagnostics", new DiagnosticsServlet(diagnostics, gate, requests), "/api/diagnostics");
        if (app.config().metricsAccess() != ChatConfig.MetricsAccess.OFF) { // off: a 404 like any unknown API path
            ApiGate metricsGate = app.config().metricsAccess() == ChatConfig.MetricsAccess.OPEN ? null : gate;
            add(ctx, "metrics", new MetricsServlet(metrics, app.registry(),
                    app.conversations() == null ? null : app.conversations().store(), metricsGate), "/api/metrics");
        }
        add(ctx, "api-not-found", new ApiNotFoundServlet(), "/api/*");
        exitHook = new Thread(this::endStreams, "chat-exit");
        exitHook.setContextClassLoader(null); // it runs while the container unloads the webapp
        Runtime.getRuntime().addShutdownHook(exitHook);
    }

    /** What the webapp's stop begins with: answer pending bodies, end diagnostics runs and streams. */
    private void endStreams() {
        ChatServlet c = chat;
        if (c != null) {
            c.stop();
        }
        Diagnostics d = diagnostics;
        if (d != null) {
            d.close();
        }
        ChatApplication a = app;
        if (a != null) {
            a.endStreams();
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        event.getServletContext().removeAttribute(APP_ATTRIBUTE);
        removeExitHook();
        endStreams();
        chat = null;
        diagnostics = null;
        if (app != null) {
            app.close();
            app = null;
        }
        // the requests answered and streams ended above are finished by the container on its own threads, in this
        // webapp's context
        if (requests != null && !requests.awaitNone(REQUESTS_WAIT)) {
            LOG.log(Level.WARNING, requests.open() + " responses were still open when the webapp stopped; the"
                    + " container ends them");
        }
        requests = null;
    }

    /** The hook the JVM runs when it begins to exit (null once the webapp stopped). */
    Thread exitHook() {
        return exitHook;
    }

    /** Unregisters the exit hook; when the JVM is exiting already, waits for the hook to have ended the streams. */
    private void removeExitHook() {
        Thread hook = exitHook;
        exitHook = null;
        if (hook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException exiting) {
            try {
                hook.join(EXIT_HOOK_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void add(ServletContext ctx, String name, jakarta.servlet.Servlet servlet, String... paths) {
        ServletRegistration.Dynamic reg = ctx.addServlet(name, servlet);
        reg.setAsyncSupported(true);
        reg.addMapping(paths);
    }
}
