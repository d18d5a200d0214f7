package io.chatstream.web;

import io.chatstream.protocol.ApiError;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Every other path under {@code /api/}: a JSON 404, not the container's HTML page. */
final class ApiNotFoundServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) {
        Responses.error(resp, new ApiError(404, "not_found", "No such API path."));
    }
}
