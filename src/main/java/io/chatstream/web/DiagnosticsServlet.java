package io.chatstream.web;

import io.chatstream.diagnostics.Diagnostics;
import io.chatstream.protocol.ApiError;
import io.chatstream.wire.Framing;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * {@code GET /api/diagnostics[?ticks=10&idle=130]}: the connection test of {@link Diagnostics}, read by
 * {@code diagnostics.html}. Admitted like the API ({@code chat.auth.mode}); answered with the same headers as a chat
 * stream, so whatever a proxy does to one it does to the other.
 */
final class DiagnosticsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(DiagnosticsServlet.class.getName());

    private final transient Diagnostics diagnostics;
    private final transient ApiGate gate;
    private final transient AsyncRequests requests;

    DiagnosticsServlet(Diagnostics diagnostics, ApiGate gate, AsyncRequests requests) {
        this.diagnostics = diagnostics;
        this.gate = gate;
        this.requests = requests;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) {
        Diagnostics.Run run;
        try {
            if (!req.getMethod().equals("GET")) {
                throw Responses.methodNotAllowed(resp, "GET");
            }
            ApiGate.Caller caller = gate.admit(req);
            QueryParameters query = QueryParameters.of(req);
            int ticks = parameter(query, "ticks", Diagnostics.DEFAULT_TICKS, 1, Diagnostics.MAX_TICKS);
            int idle = parameter(query, "idle", Diagnostics.DEFAULT_IDLE_SECONDS, 0, Diagnostics.MAX_IDLE_SECONDS);
            run = diagnostics.open(caller.clientKey(), ticks, idle);
        } catch (Diagnostics.RefusedException e) {
            gate.refuse(req, resp, Refusals.of(e.refusal()));
            return;
        } catch (ApiError e) {
            gate.refuse(req, resp, e);
            return;
        }
        try {
            AsyncContext async = requests.start(req);
            EventStreamResponse.headers(resp, Framing.SSE.contentType());
            EventStreamResponse.bind(async, resp, new EventStreamResponse.Writer() {
                @Override
                public void start(ServletTransport transport) {
                    run.start(transport);
                }

                @Override
                public void writable() {
                    run.onWritable();
                }

                @Override
                public void closed(Throwable cause) {
                    run.cancel();
                }

                @Override
                public void timedOut() {
                    run.shutdown(); // ended by the container, as when the webapp stops
                }
            });
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, () -> "A diagnostics run could not start: " + e);
            run.cancel();
        }
    }

    private static int parameter(QueryParameters query, String name, int defaultValue, int min, int max)
            throws ApiError {
        String value = query.get(name);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        try {
            int v = Integer.parseInt(value);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.invalid("\"" + name + "\" must be a whole number from " + min + " to " + max + ".");
    }
}
