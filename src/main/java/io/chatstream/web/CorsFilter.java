package io.chatstream.web;

import io.chatstream.config.ChatConfig;
import io.chatstream.protocol.ApiError;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Set;

/**
 * Which origins may use the API: the cross-origin rules for {@code /api/*} ({@code SPEC.md} section 7), deny by
 * default. The first of three admissions, each in one place: this filter decides on the origin, before the API
 * sees the request; {@link ApiGate} then says who the caller is; the stream registry whether a new generation may
 * start.
 *
 * <p>A request whose {@code Origin} is in {@code chat.cors.allowed-origins} (or any origin, with {@code *}) gets
 * {@code Access-Control-Allow-Origin} (that origin, or {@code *}), {@code Vary: Origin},
 * {@code Access-Control-Expose-Headers: X-Stream-Id, RateLimit, RateLimit-Policy, Retry-After} and, where {@code chat.cors.allow-credentials} is on,
 * {@code Access-Control-Allow-Credentials: true}. Its preflight ({@code OPTIONS} with
 * {@code Access-Control-Request-Method}) is answered 204 with the allowed methods, headers and max age. Any other
 * origin gets no CORS header at all, and 403 on a preflight. Same-origin requests need none of this and pass as they
 * are.
 *
 * <p>A browser request that its {@code Sec-Fetch-Site} header says comes from another site ({@code cross-site} or
 * {@code same-site}) and whose origin is not allowed is refused with 403 before it reaches the API, health excepted.
 * Such a page could not read the answer anyway, but a simple {@code GET /api/chat?prompt=} (an {@code <img>}, an
 * {@code EventSource}) would otherwise start a reply on the user's cookies. Requests without the header (scripts,
 * older browsers) and same-origin ones are not affected.
 */
final class CorsFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    /** PATCH: a conversation's title, pin and current leaf ({@code SPEC.md} section 9). */
    static final String ALLOW_METHODS = "GET, POST, PATCH, DELETE";
    static final String ALLOW_HEADERS = "Content-Type, Authorization, Last-Event-ID, Accept, Idempotency-Key";
    static final String MAX_AGE_SECONDS = "600";
    /** What a page of an allowed origin may read: the stream id, and when a limit lets it ask again. */
    static final String EXPOSE_HEADERS = "X-Stream-Id, RateLimit, RateLimit-Policy, Retry-After";

    private final Set<String> origins;
    private final boolean anyOrigin;
    private final boolean credentials;

    CorsFilter(ChatConfig config) {
        this.origins = Set.copyOf(config.corsAllowedOrigins());
        this.anyOrigin = origins.contains("*");
        this.credentials = config.corsAllowCredentials();
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        String origin = req.getHeader("Origin");
        boolean preflight = "OPTIONS".equals(req.getMethod()) && origin != null
                && req.getHeader("Access-Control-Request-Method") != null;
        boolean allowed = origin != null && (anyOrigin || origins.contains(origin));
        if (preflight) {
            if (!allowed) {
                Responses.error(resp, new ApiError(403, "forbidden", "This origin may not use the API."));
                return;
            }
            corsHeaders(resp, origin);
            resp.setHeader("Access-Control-Allow-Methods", ALLOW_METHODS);
            resp.setHeader("Access-Control-Allow-Headers", ALLOW_HEADERS);
            resp.setHeader("Access-Control-Max-Age", MAX_AGE_SECONDS);
            resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        if (allowed) {
            corsHeaders(resp, origin);
        } else if (fromAnotherSite(req) && !"/api/health".equals(req.getServletPath())) {
            Responses.error(resp, new ApiError(403, "forbidden", "This origin may not use the API."));
            return;
        }
        chain.doFilter(req, resp);
    }

    /** Fetch metadata: a browser says the request comes from a page of another site. */
    private static boolean fromAnotherSite(HttpServletRequest req) {
        String site = req.getHeader("Sec-Fetch-Site");
        return "cross-site".equalsIgnoreCase(site) || "same-site".equalsIgnoreCase(site);
    }

    private void corsHeaders(HttpServletResponse resp, String origin) {
        resp.setHeader("Access-Control-Allow-Origin", anyOrigin ? "*" : origin);
        resp.addHeader("Vary", "Origin");
        resp.setHeader("Access-Control-Expose-Headers", EXPOSE_HEADERS);
        if (credentials) {
            resp.setHeader("Access-Control-Allow-Credentials", "true");
        }
    }
}
