package io.chatstream.dev;

import io.chatstream.protocol.ApiError;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;

/**
 * What the dev server answers for a request it refuses before the webapp sees it (a malformed request line or
 * header, a header too large, an ambiguous path): under {@code /api/} the API's JSON error ({@code SPEC.md} section
 * 5), elsewhere Jetty's page without stack traces, causes or the server's version. Errors inside the webapp are its
 * own error page's ({@code web.xml}).
 */
final class QuietErrorHandler extends ErrorHandler {

    QuietErrorHandler() {
        setShowStacks(false);
        setShowCauses(false);
        setShowMessageInTitle(false);
        setShowOrigin(false);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI() == null ? null : request.getHttpURI().getPath();
        if (path == null || !path.startsWith("/api/")) {
            return super.handle(request, response, callback);
        }
        int status = request.getAttribute(ERROR_STATUS) instanceof Integer s ? s : response.getStatus();
        ApiError error = ApiError.forStatus(status >= 400 && status <= 599 ? status : 400);
        response.setStatus(error.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.write(true, ByteBuffer.wrap(error.body()), callback);
        return true;
    }
}
