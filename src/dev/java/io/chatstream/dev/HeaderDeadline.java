package io.chatstream.dev;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A deadline for a request's head, as Tomcat's {@code connectionTimeout}: a connection that has not delivered a
 * whole request line and headers within {@code timeout} of being opened, or of its previous response completing, is
 * closed. Jetty's idle timeout alone cannot do it: every byte resets it, so a client that sends one header line a
 * second holds a connection (and its buffers) forever; and it must stay long, for streams that are silent between
 * keep-alives.
 *
 * <p>Registered both as a listener of the connector's connections (the deadline starts when one opens) and as the
 * handler in front of the webapp (a request that reaches it has a complete head: the deadline is cancelled until its
 * response completes).
 */
final class HeaderDeadline extends Handler.Wrapper implements Connection.Listener {

    private static final System.Logger LOG = System.getLogger(HeaderDeadline.class.getName());

    private final long timeoutMillis;
    private final Supplier<Scheduler> scheduler;
    private final Map<Connection, Scheduler.Task> deadlines = new ConcurrentHashMap<>();

    /** @param scheduler the server's, looked up when first needed (it starts with the server) */
    HeaderDeadline(long timeoutMillis, Supplier<Scheduler> scheduler) {
        this.timeoutMillis = timeoutMillis;
        this.scheduler = scheduler;
    }

    @Override
    public void onOpened(Connection connection) {
        arm(connection);
    }

    @Override
    public void onClosed(Connection connection) {
        disarm(connection);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Connection connection = request.getConnectionMetaData().getConnection();
        disarm(connection);
        // the next request on this connection has the same time for its head (Tomcat's keepAliveTimeout default)
        Request.addCompletionListener(request, failure -> {
            if (connection.getEndPoint().isOpen()) {
                arm(connection);
            }
        });
        return super.handle(request, response, callback);
    }

    private void arm(Connection connection) {
        Scheduler.Task task = scheduler.get().schedule(() -> expire(connection), timeoutMillis,
                TimeUnit.MILLISECONDS);
        Scheduler.Task previous = deadlines.put(connection, task);
        if (previous != null) {
            previous.cancel();
        }
    }

    private void disarm(Connection connection) {
        Scheduler.Task task = deadlines.remove(connection);
        if (task != null) {
            task.cancel();
        }
    }

    private void expire(Connection connection) {
        if (deadlines.remove(connection) != null) {
            LOG.log(Level.DEBUG, () -> "No request head within " + timeoutMillis + " ms: closing "
                    + connection.getEndPoint().getRemoteSocketAddress());
            connection.close();
        }
    }
}
