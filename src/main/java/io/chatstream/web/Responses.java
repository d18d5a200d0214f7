package io.chatstream.web;

import io.chatstream.protocol.ApiError;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * Writes the small answers that are not streams: JSON errors ({@code SPEC.md} section 5) and health, and whole
 * bodies such as error pages and metrics.
 */
final class Responses {

    private static final System.Logger LOG = System.getLogger(Responses.class.getName());

    private Responses() {
    }

    /** Answers {@code error}; a client that already left is logged at debug level. */
    static void error(HttpServletResponse resp, ApiError error) {
        if (resp.isCommitted()) {
            return;
        }
        resp.resetBuffer();
        resp.setStatus(error.status());
        if (error.retryAfterSeconds() >= 0) {
            resp.setHeader("Retry-After", Long.toString(error.retryAfterSeconds()));
        }
        json(resp, error.body());
    }

    /** Answers {@code error} and completes the async request. */
    static void error(AsyncContext async, HttpServletResponse resp, ApiError error) {
        error(resp, error);
        async.complete();
    }

    static void json(HttpServletResponse resp, byte[] body) {
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        // an error body may quote the request; no browser may sniff it into a page
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setContentLength(body.length);
        try {
            resp.getOutputStream().write(body);
        } catch (IOException | IllegalStateException e) {
            LOG.log(Level.DEBUG, () -> "Could not send a response: " + e);
        }
    }

    /**
     * Answers {@code body} whole, with its length, for no cache to keep; to {@code HEAD} only the headers. A client
     * that already left is logged at debug level, naming {@code what} was not sent.
     */
    static void whole(HttpServletRequest req, HttpServletResponse resp, int status, String contentType, byte[] body,
                      String what) {
        resp.setStatus(status);
        resp.setContentType(contentType);
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(body.length);
        if (req.getMethod().equals("HEAD")) {
            return;
        }
        try {
            resp.getOutputStream().write(body);
        } catch (IOException | IllegalStateException e) {
            LOG.log(Level.DEBUG, () -> "Could not send " + what + ": " + e);
        }
    }

    static ApiError methodNotAllowed(HttpServletResponse resp, String allow) {
        resp.setHeader("Allow", allow);
        return new ApiError(405, "method_not_allowed", "This path takes " + allow + ".");
    }
}
