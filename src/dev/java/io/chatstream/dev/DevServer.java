package io.chatstream.dev;

import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import io.chatstream.web.ChatContextListener;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The dev server: embedded Jetty 12 serving {@code webapp/} with the classes from {@code target/classes}, through
 * the same {@code web.xml} and composition root as the WAR. Never packaged into the WAR.
 *
 * <p>{@code mvn -q compile exec:exec} runs it on {@code chat.server.port} (8080) and prints the URL; Ctrl+C or
 * SIGTERM stops it with one line. Tests call {@link #newServer} on port 0.
 */
public final class DevServer {

    /** Jars whose TLDs and {@code META-INF/resources} the webapp must see: JSTL and the WebJars. */
    static final String CONTAINER_JARS = ".*/jakarta\\.servlet\\.jsp\\.jstl-[^/]*\\.jar$|.*/org/webjars/.*\\.jar$";

    private DevServer() {
    }

    /**
     * A server (not started) for the project in {@code projectDir}.
     *
     * @param host       the address to bind, e.g. {@code 127.0.0.1}
     * @param port       0 for any free port
     * @param initParams context init-parameters: settings by dotted name (system properties and the environment
     *                   still win, as in any container)
     */
    public static Server newServer(String host, int port, Path projectDir, Map<String, String> initParams) {
        QueuedThreadPool threads = new QueuedThreadPool(32, 4);
        threads.setName("jetty");
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        // Writes of up to 8 KiB are by default copied into a per-response buffer of 32 KiB (direct memory) that the
        // response holds until it completes: 320 MB for 10,000 open streams. Streams write whole batches of frames
        // and flush them at once, so there is nothing to gain from aggregating: write them straight to the socket.
        http.setOutputAggregationSize(0);
        // no "Server: Jetty(12...)" header and no "Powered by Jetty://" on Jetty's own error pages
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(300_000);
        connector.setAcceptQueueSize(4096);
        // on stop, Jetty gives each open connection this long to go idle before it closes it (default a second). The
        // webapp has stopped and drained before (see stop): what is left open is a browser's or a client's idle
        // kept-alive connection, which would hold every stop for a second
        connector.setShutdownIdleTimeout(100);
        // Jetty's per-connection header cache matches values ignoring case: a bearer token or stream id differing
        // only in case from one seen before on the connection would reach the app as that earlier value
        connector.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration()
                .setHeaderCacheCaseSensitive(true);
        server.addConnector(connector);
        HeaderDeadline headerDeadline = new HeaderDeadline(headerTimeoutMillis(initParams), server::getScheduler);
        connector.addBean(headerDeadline);
        server.setErrorHandler(new QuietErrorHandler());

        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setBaseResourceAsPath(projectDir.resolve("webapp"));
        Path classes = projectDir.resolve("target/classes");
        if (Files.isDirectory(classes)) {
            webapp.setExtraClasspath(classes.toString());
        }
        webapp.setAttribute("org.eclipse.jetty.server.webapp.ContainerIncludeJarPattern", CONTAINER_JARS);
        // the classes are on this JVM's class path too: load them once, so tests can reach the running app
        webapp.setParentLoaderPriority(true);
        webapp.setThrowUnavailableOnStartupException(true);
        initParams.forEach(webapp::setInitParameter);
        headerDeadline.setHandler(webapp);
        server.setHandler(headerDeadline);
        server.setStopTimeout(5_000);
        return server;
    }

    /**
     * Stops the webapp first, while connections are still open, so every open stream gets its {@code retry:} and a
     * clean end (as on a container's undeploy), then the server. The webapp's streams are ended before its stop
     * begins, while it still serves: a cluster node drains then, its health saying {@code draining}.
     */
    public static void stop(Server server) throws Exception {
        WebAppContext webapp = server.getDescendant(WebAppContext.class);
        if (webapp != null) {
            if (webapp.getServletContext().getAttribute(ChatContextListener.END_STREAMS_ATTRIBUTE)
                    instanceof Runnable endStreams) {
                endStreams.run();
            }
            webapp.stop();
        }
        server.stop();
    }

    /** The webapp a server made by {@link #newServer} serves. */
    public static WebAppContext webapp(Server server) {
        return server.getDescendant(WebAppContext.class);
    }

    /**
     * {@code chat.server.header-timeout-seconds} (default 20, Tomcat's {@code connectionTimeout}): how long a
     * connection may take to deliver a request's head; system property and environment first, as every setting.
     */
    private static long headerTimeoutMillis(Map<String, String> initParams) {
        return Settings.fromSystem(initParams::get).integer("chat.server.header-timeout-seconds", 20, 1, 3600)
                * 1000L;
    }

    /** The port a started server listens on. */
    public static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    public static void main(String[] args) throws Exception {
        quietLogging();
        Path projectDir = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Settings settings = Settings.fromSystem(name -> null);
        int port;
        String host;
        try {
            port = settings.integer("chat.server.port", 8080, 0, 65535);
            host = settings.string("chat.server.host", "127.0.0.1");
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Server server = newServer(host, port, projectDir, Map.of());
        try {
            server.start();
        } catch (Exception e) {
            System.err.println("Chat dev server did not start: " + rootMessage(e));
            server.stop();
            System.exit(1);
            return;
        }
        System.out.println("Chat dev server on http://" + (host.equals("127.0.0.1") ? "localhost" : host) + ":"
                + port(server) + "/  (Ctrl+C stops it)");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopQuietly(server).ifPresent(System.out::println),
                "dev-server-stop"));
        server.join();
    }

    /**
     * Stops the server (Ctrl+C, SIGTERM): the application's own line says it stopped (Jetty's stop lines are below
     * the dev server's log level); what failed in the stop is said here.
     */
    static Optional<String> stopQuietly(Server server) {
        try {
            stop(server);
            return Optional.empty();
        } catch (Exception e) {
            return Optional.of("Chat dev server stopped: " + rootMessage(e));
        }
    }

    /**
     * What a newcomer sees is the URL, the application's own log lines and warnings that call for action. Set
     * before the first logger exists; a {@code -D} on the command line still wins.
     */
    static void quietLogging() {
        // Jetty's start and stop lines (versions, contexts, connectors) at INFO
        System.getProperties().putIfAbsent("org.eclipse.jetty.LEVEL", "WARN");
        // Jasper warns, once, that XMLSchema.dtd, datatypes.dtd and xml.xsd are missing beside the Servlet API's
        // classes: the Jakarta jar ships the Servlet schemas but not these W3C ones (Tomcat's own jar has them). It
        // needs them only to validate TLDs, which it does not do: the warnings are noise in every embedded Jetty.
        System.getProperties().putIfAbsent("org.apache.tomcat.util.descriptor.DigesterFactory.LEVEL", "ERROR");
        // the conversation store's pool and migrations announce each step at INFO; the application says in one line
        // where conversations are kept, and a failed migration is an error
        System.getProperties().putIfAbsent("com.zaxxer.hikari.LEVEL", "WARN");
        System.getProperties().putIfAbsent("org.flywaydb.LEVEL", "WARN");
        // Lettuce (chat.cluster.redis-url) at INFO tells its thread pools' sizes; the application logs the connection
        System.getProperties().putIfAbsent("io.lettuce.LEVEL", "WARN");
        // the application's log lines (System.Logger: java.util.logging) on one line each
        System.getProperties().putIfAbsent("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
        // and still written while the server stops, as the stop sequence runs from an exit hook
        System.getProperties().putIfAbsent("java.util.logging.manager", StopLogManager.class.getName());
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
