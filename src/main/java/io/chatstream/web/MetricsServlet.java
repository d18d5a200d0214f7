package io.chatstream.web;

import io.chatstream.metrics.ChatMetrics;
import io.chatstream.metrics.ClusterCounts;
import io.chatstream.protocol.ApiError;
import io.chatstream.store.ConversationStore;
import io.chatstream.stream.StreamRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * {@code GET /api/metrics}: the webapp's {@link ChatMetrics} in the Prometheus text format. Who may read it is
 * {@code chat.metrics.access}: {@code api} (the API's own auth), {@code open} (anyone; for a scraper on a private
 * network), {@code off} (not registered: the path is a 404 like any unknown API path).
 */
final class MetricsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient ChatMetrics metrics;
    private final transient StreamRegistry registry;
    private final transient ConversationStore store;
    private final transient ApiGate gate;
    private final transient Supplier<ClusterCounts> cluster;

    /**
     * @param store the conversation store, or null where conversations are off
     * @param gate    the API's gate, or null when the metrics are open to all
     * @param cluster what the node sees of Redis, or null on one node
     */
    MetricsServlet(ChatMetrics metrics, StreamRegistry registry, ConversationStore store, ApiGate gate,
                   Supplier<ClusterCounts> cluster) {
        this.metrics = metrics;
        this.registry = registry;
        this.store = store;
        this.gate = gate;
        this.cluster = cluster;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) {
        try {
            if (!req.getMethod().equals("GET") && !req.getMethod().equals("HEAD")) {
                throw Responses.methodNotAllowed(resp, "GET");
            }
            if (gate != null) {
                gate.admit(req);
            }
        } catch (ApiError e) {
            if (gate != null) {
                gate.refuse(req, resp, e);
            } else {
                Responses.error(resp, e);
            }
            return;
        }
        ClusterCounts counts = cluster == null ? null : cluster.get();
        byte[] body = metrics.scrape(registry, store, counts).getBytes(StandardCharsets.UTF_8);
        Responses.whole(req, resp, 200, ChatMetrics.CONTENT_TYPE, body, "the metrics");
    }
}
