package io.chatstream.web;

import io.chatstream.wire.ByteSink;
import io.chatstream.wire.EventJson;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.util.function.BooleanSupplier;

/**
 * {@code GET /api/health}: {@code 200 {"status":"ok","backend":NAME}}, open to all (load balancers probe it);
 * {@code 503 {"status":"draining","backend":NAME}} while a cluster node stops, so balancers send new work elsewhere.
 */
final class HealthServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final byte[] ok;
    private final byte[] drainingBody;
    private final transient BooleanSupplier draining;

    /** @param draining true while a cluster node stops (its stream registry drains) */
    HealthServlet(String backendName, BooleanSupplier draining) {
        this.ok = body("ok", backendName);
        this.drainingBody = body("draining", backendName);
        this.draining = draining;
    }

    private static byte[] body(String status, String backendName) {
        ByteSink out = new ByteSink(64);
        out.ascii("{\"status\":\"" + status + "\",\"backend\":");
        EventJson.string(out, backendName);
        out.write('}');
        return out.toByteArray();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) {
        if (!req.getMethod().equals("GET") && !req.getMethod().equals("HEAD")) {
            Responses.error(resp, Responses.methodNotAllowed(resp, "GET"));
            return;
        }
        boolean stopping = draining.getAsBoolean();
        resp.setStatus(stopping ? 503 : 200);
        Responses.json(resp, stopping ? drainingBody : ok);
    }
}
