package io.chatstream.web;

import io.chatstream.wire.ByteSink;
import io.chatstream.wire.EventJson;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** {@code GET /api/health}: {@code 200 {"status":"ok","backend":NAME}}, open to all (load balancers probe it). */
final class HealthServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final byte[] body;

    HealthServlet(String backendName) {
        ByteSink out = new ByteSink(64);
        out.ascii("{\"status\":\"ok\",\"backend\":");
        EventJson.string(out, backendName);
        out.write('}');
        this.body = out.toByteArray();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) {
        if (!req.getMethod().equals("GET") && !req.getMethod().equals("HEAD")) {
            Responses.error(resp, Responses.methodNotAllowed(resp, "GET"));
            return;
        }
        resp.setStatus(200);
        Responses.json(resp, body);
    }
}
