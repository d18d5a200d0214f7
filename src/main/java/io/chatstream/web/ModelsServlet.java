package io.chatstream.web;

import io.chatstream.models.ModelCatalog;
import io.chatstream.models.ModelList;
import io.chatstream.models.ModelsUnavailableException;
import io.chatstream.protocol.ApiError;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /api/models}: {@code {"models":[{"id":"...","default":true|false}]}} from the {@link ModelCatalog}
 * ({@code SPEC.md} section 11); {@code 503 unavailable} with {@code Retry-After} when the backend cannot list.
 * Admitted like the rest of the API ({@code chat.auth.mode}); cross-origin rules are {@link CorsFilter}'s.
 *
 * <p>A list the catalog keeps is written at once. Otherwise the request goes async and no thread waits for the
 * upstream: the catalog's future answers it, with a non-blocking write, from whichever thread completes it.
 */
final class ModelsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(ModelsServlet.class.getName());

    private final transient ModelCatalog catalog;
    private final transient ApiGate gate;
    private final transient AsyncRequests requests;

    ModelsServlet(ModelCatalog catalog, ApiGate gate, AsyncRequests requests) {
        this.catalog = catalog;
        this.gate = gate;
        this.requests = requests;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) {
        CompletableFuture<ModelList> models;
        try {
            if (!req.getMethod().equals("GET") && !req.getMethod().equals("HEAD")) {
                throw Responses.methodNotAllowed(resp, "GET");
            }
            gate.admit(req);
            models = catalog.models();
            if (models.isDone()) {
                resp.setStatus(200);
                Responses.json(resp, models.join().json());
                return;
            }
        } catch (ApiError e) {
            gate.refuse(req, resp, e);
            return;
        } catch (CompletionException e) {
            Responses.error(resp, unavailable(e));
            return;
        }
        Pending pending = new Pending(requests.start(req), resp);
        models.whenComplete(pending::answer);
    }

    private static ApiError unavailable(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof ModelsUnavailableException e) {
            return new ApiError(503, "unavailable", e.getMessage(), e.retryAfterSeconds());
        }
        LOG.log(Level.WARNING, "Listing the models failed", cause);
        return new ApiError(503, "unavailable", "The backend cannot list its models now.", 1);
    }

    /**
     * A request waiting for the catalog, answered once: by the catalog, or with 503 when the container ends it first
     * (Tomcat times out the async requests of a webapp that is stopping). A client that left is not answered.
     */
    private static final class Pending implements AsyncListener {
        private final AsyncContext async;
        private final HttpServletResponse resp;
        private final AtomicBoolean answered = new AtomicBoolean();

        Pending(AsyncContext async, HttpServletResponse resp) {
            this.async = async;
            this.resp = resp;
            async.addListener(this);
        }

        void answer(ModelList list, Throwable failure) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            if (failure != null) {
                fail(unavailable(failure));
                return;
            }
            try {
                write(list.json());
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, () -> "Could not send the models: " + e);
                async.complete();
            }
        }

        private void fail(ApiError error) {
            Responses.error(resp, error);
            async.complete();
        }

        /** The body in one non-blocking write; completed once the container has taken all of it. */
        private void write(byte[] body) throws IOException {
            resp.setStatus(200);
            resp.setContentType("application/json");
            resp.setCharacterEncoding("UTF-8");
            resp.setHeader("Cache-Control", "no-store");
            resp.setHeader("X-Content-Type-Options", "nosniff");
            resp.setContentLength(body.length);
            ServletOutputStream out = resp.getOutputStream();
            out.setWriteListener(new WriteListener() {
                private boolean written;

                @Override
                public void onWritePossible() throws IOException {
                    if (!written) {
                        written = true;
                        out.write(body);
                        if (!out.isReady()) {
                            return; // called again once the socket took the rest
                        }
                    }
                    async.complete();
                }

                @Override
                public void onError(Throwable t) {
                    LOG.log(Level.DEBUG, () -> "Could not send the models: " + t);
                    async.complete();
                }
            });
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            if (answered.compareAndSet(false, true)) {
                fail(Refusals.STOPPING);
            }
        }

        @Override
        public void onError(AsyncEvent event) {
            answered.set(true); // the client went away: nothing to answer
        }

        @Override
        public void onComplete(AsyncEvent event) {
            answered.set(true);
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // never restarted
        }
    }
}
