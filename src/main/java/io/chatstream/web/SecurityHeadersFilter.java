package io.chatstream.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.List;

/**
 * The browser-side rules of every response of the webapp: the page, its assets, the API.
 *
 * <ul>
 *   <li>{@code Content-Security-Policy}: scripts, styles, images and connections from this server only
 *   ({@code script-src 'self'}: no inline script, no {@code eval}, no event-handler attribute), no plugins
 *   ({@code object-src 'none'}), no {@code <base>} that moves relative URLs elsewhere ({@code base-uri 'self'}), forms
 *   post back here only; and {@code frame-ancestors}: the page may be framed by the origins of
 *   {@code chat.cors.allowed-origins} (what {@code embed.js} does on a portal) and by itself, by no one else.
 *   {@code *} there lets any page frame it; an empty list, only the server's own pages.</li>
 *   <li>{@code X-Content-Type-Options: nosniff}: nothing is ever read as another type than it says.</li>
 *   <li>{@code X-Frame-Options: SAMEORIGIN} where no other origin may frame the page, for browsers that predate
 *   {@code frame-ancestors} (the header cannot name other origins, so it is left out when some are allowed).</li>
 * </ul>
 */
final class SecurityHeadersFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    private final String policy;
    private final boolean sameOriginOnly;

    SecurityHeadersFilter(List<String> allowedOrigins) {
        this.policy = policy(allowedOrigins);
        this.sameOriginOnly = allowedOrigins.isEmpty();
    }

    /** The {@code Content-Security-Policy} value for these {@code chat.cors.allowed-origins}. */
    static String policy(List<String> allowedOrigins) {
        String ancestors = allowedOrigins.contains("*") ? "*"
                : "'self'" + (allowedOrigins.isEmpty() ? "" : " " + String.join(" ", allowedOrigins));
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
                + " object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors " + ancestors;
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        resp.setHeader("Content-Security-Policy", policy);
        resp.setHeader("X-Content-Type-Options", "nosniff");
        if (sameOriginOnly) {
            resp.setHeader("X-Frame-Options", "SAMEORIGIN");
        }
        chain.doFilter(req, resp);
    }
}
