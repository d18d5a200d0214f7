package io.chatstream.web;

import io.chatstream.protocol.ApiError;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;

/**
 * The webapp's error page ({@code <error-page>} in {@code web.xml}), for every error the container hands to the
 * webapp: a status the container or a library sent with {@code sendError} (a refused method, a constraint, a missing
 * file), or an exception no servlet caught. Under {@code /api/} it is the API's JSON ({@code SPEC.md} section 5);
 * elsewhere a short page that names the status and nothing else: no server name or version, no servlet, no
 * exception, no stack trace, whatever the container's own report would have shown.
 *
 * <p>Errors the container answers before any webapp is chosen (a malformed request line, an oversized header, an
 * encoded slash on Tomcat) never reach this servlet: see {@code docs/security.md} for the container settings that
 * keep those quiet too.
 */
public final class ErrorServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(ErrorServlet.class.getName());

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) {
        // every method lands here, TRACE too: HttpServlet's own doTrace would echo the request, cookies included
        Object code = req.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer i && i >= 400 && i <= 599 ? i : 404;
        Object uri = req.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String path = uri instanceof String s ? s : req.getRequestURI();
        Throwable failure = (Throwable) req.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (failure != null && status >= 500) {
            LOG.log(Level.WARNING, "Request " + req.getMethod() + " " + path + " failed", failure);
        } else if (failure != null) {
            // the client's fault (Tomcat hands a malformed chunked body here): anyone can cause it, so no stack trace
            LOG.log(Level.DEBUG, () -> "Request " + req.getMethod() + " " + path + " refused: " + failure);
        }
        if (path != null && path.startsWith(req.getContextPath() + "/api/")) {
            Responses.error(resp, ApiError.forStatus(status));
        } else if (!resp.isCommitted()) {
            page(req, resp, folder(req, status, path) ? 404 : status);
        }
    }

    /**
     * A folder the container's default servlet may not list: Jetty answers 403 there, Tomcat 404. Both become 404, as
     * any path with nothing to show, so no answer tells which folders exist.
     */
    private static boolean folder(HttpServletRequest req, int status, String path) {
        return status == 403 && path != null && path.endsWith("/")
                && "default".equals(req.getAttribute(RequestDispatcher.ERROR_SERVLET_NAME));
    }

    private static void page(HttpServletRequest req, HttpServletResponse resp, int status) {
        String title = status + " " + reason(status);
        byte[] body = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title
                + "</title></head><body><h1>" + title + "</h1></body></html>\n").getBytes(StandardCharsets.UTF_8);
        resp.resetBuffer();
        Responses.whole(req, resp, status, "text/html;charset=UTF-8", body, "an error page");
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 431 -> "Request Header Fields Too Large";
            case 503 -> "Service Unavailable";
            default -> status < 500 ? "Client Error" : "Server Error";
        };
    }
}
