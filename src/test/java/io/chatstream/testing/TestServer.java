package io.chatstream.testing;

import io.chatstream.app.ChatApplication;
import io.chatstream.dev.DevServer;
import io.chatstream.web.ChatContextListener;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The dev server on a free port of 127.0.0.1 for end-to-end tests, with settings given as context
 * init-parameters. Use in try-with-resources.
 */
public final class TestServer implements AutoCloseable {

    private final Server server;
    private final URI base;

    private TestServer(Map<String, String> settings, Consumer<WebAppContext> beforeStart) throws Exception {
        // no database unless a test asks for one (with its own chat.store.dir): never one in the user's home
        settings.putIfAbsent("chat.store.url", "off");
        server = DevServer.newServer("127.0.0.1", 0, Path.of("").toAbsolutePath(), settings);
        beforeStart.accept(DevServer.webapp(server));
        server.start();
        base = URI.create("http://127.0.0.1:" + DevServer.port(server));
    }

    /** Starts a server with these settings (dotted names) on top of the defaults. */
    public static TestServer start(Map<String, String> settings) throws Exception {
        return new TestServer(new HashMap<>(settings), webapp -> { });
    }

    /**
     * Starts a server with these settings after {@code beforeStart} has set up its webapp, e.g. with the container's
     * login ({@code webapp.getSecurityHandler()}), as a portal's container would.
     */
    public static TestServer start(Map<String, String> settings, Consumer<WebAppContext> beforeStart)
            throws Exception {
        return new TestServer(new HashMap<>(settings), beforeStart);
    }

    /** Starts a server with the demo backend at a fast pace. */
    public static TestServer fastDemo() throws Exception {
        return start(Map.of("chat.demo.tokens-per-second", "1000"));
    }

    /** The URI of {@code path} on this server, e.g. {@code /api/chat}. */
    public URI uri(String path) {
        return base.resolve(path);
    }

    public int port() {
        return base.getPort();
    }

    /** The running application inside the webapp. */
    public ChatApplication app() {
        WebAppContext webapp = DevServer.webapp(server);
        return (ChatApplication) webapp.getServletContext().getAttribute(ChatContextListener.APP_ATTRIBUTE);
    }

    public Server jetty() {
        return server;
    }

    /** Stops the server; declares no {@code InterruptedException}, which try-with-resources could not handle. */
    @Override
    public void close() {
        try {
            DevServer.stop(server);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("the test server did not stop", e);
        }
    }
}
