package io.chatstream.web;

import io.chatstream.protocol.ApiError;
import io.chatstream.protocol.ChatRequestParser;
import io.chatstream.protocol.ParsedRequest;
import io.chatstream.stream.ChatStream;
import io.chatstream.stream.LastEventId;
import io.chatstream.stream.SharedStreams;
import io.chatstream.stream.StreamSource;
import io.chatstream.stream.StreamIds;
import io.chatstream.stream.StreamRegistry;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.Objects;

/**
 * The chat API ({@code SPEC.md} sections 1 to 5), as a router: {@code POST /api/chat},
 * {@code GET /api/chat?prompt=}, {@code GET} and {@code DELETE /api/chat/streams/{id}}. Each request is let in by
 * the {@link ApiGate}; its body comes from {@link JsonBodies}; a new reply's stream is opened by the
 * {@link StreamOpener}, a running one found in the {@link StreamRegistry} (in a cluster, on whichever node runs it:
 * followed from the shared log, stopped through the shared facts); then {@link StreamResponses} hands the response
 * to the stream. No request thread is kept, nor waits for Redis.
 */
final class ChatServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(ChatServlet.class.getName());
    private static final String STREAMS = "/streams/";

    private final transient ApiGate gate;
    private final transient AsyncRequests requests;
    private final transient ChatRequestParser parser;
    private final transient JsonBodies bodies;
    private final transient StreamRegistry registry;
    private final transient StreamOpener opener;
    private final transient StreamResponses responses;

    ChatServlet(ApiGate gate, AsyncRequests requests, ChatRequestParser parser, JsonBodies bodies,
                StreamRegistry registry, StreamOpener opener, StreamResponses responses) {
        this.gate = gate;
        this.requests = requests;
        this.parser = parser;
        this.bodies = bodies;
        this.registry = registry;
        this.opener = opener;
        this.responses = responses;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) {
        ApiError error;
        try {
            route(req, resp);
            return;
        } catch (ApiError e) {
            error = e;
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "Request " + req.getMethod() + " " + req.getRequestURI() + " failed", e);
            error = Refusals.FAILED;
        }
        gate.refuse(req, resp, error);
        if (req.isAsyncStarted()) {
            req.getAsyncContext().complete();
        }
    }

    private void route(HttpServletRequest req, HttpServletResponse resp) throws ApiError, IOException {
        String path = req.getPathInfo();
        String method = req.getMethod();
        if (path == null || path.equals("/")) {
            switch (method) {
                case "POST" -> post(req, resp);
                case "GET" -> getWithPrompt(req, resp);
                default -> throw Responses.methodNotAllowed(resp, "GET, POST");
            }
            return;
        }
        if (!path.startsWith(STREAMS) || path.indexOf('/', STREAMS.length()) >= 0) {
            throw new ApiError(404, "not_found", "No such API path.");
        }
        String id = path.substring(STREAMS.length());
        switch (method) {
            case "GET" -> attach(req, resp, id);
            case "DELETE" -> cancel(req, resp, id);
            default -> throw Responses.methodNotAllowed(resp, "GET, DELETE");
        }
    }

    /** {@code POST /api/chat}: a JSON body, read without blocking. */
    private void post(HttpServletRequest req, HttpServletResponse resp) throws ApiError, IOException {
        ApiGate.Caller caller = gate.admit(req);
        LastEventId lastEventId = lastEventId(req, QueryParameters.of(req));
        bodies.read(req, resp, "POST /api/chat", (async, body) ->
                open(async, req, resp, caller, parser.read(body), lastEventId));
    }

    /** {@code GET /api/chat?prompt=...}: what {@code EventSource} opens, and reconnects to with Last-Event-ID. */
    private void getWithPrompt(HttpServletRequest req, HttpServletResponse resp) throws ApiError, IOException {
        ApiGate.Caller caller = gate.admit(req);
        QueryParameters query = QueryParameters.of(req);
        LastEventId lastEventId = lastEventId(req, query);
        ParsedRequest request = lastEventId == null ? parser.readQuery(query.asMap()) : null;
        AsyncContext async = requests.start(req);
        open(async, req, resp, caller, request, lastEventId);
    }

    /** {@code GET /api/chat/streams/{id}}: from the first event, or after Last-Event-ID. */
    private void attach(HttpServletRequest req, HttpServletResponse resp, String id) throws ApiError, IOException {
        ApiGate.Caller caller = gate.admit(req);
        LastEventId lastEventId = lastEventId(req, QueryParameters.of(req));
        AsyncContext async = requests.start(req);
        find(async, resp, id, caller, stream -> { // first: an unknown stream is 404, whatever else is wrong
            if (lastEventId != null && !lastEventId.streamId().equals(id)) {
                throw ApiError.invalid("Last-Event-ID names another stream than the path.");
            }
            responses.deliver(async, req, resp, stream, lastEventId == null ? 0 : lastEventId.seq(),
                    lastEventId != null);
        });
    }

    /**
     * {@code DELETE /api/chat/streams/{id}}: 204 whether the stream was running or had already ended. A stream
     * another node runs is stopped there: its node learns of it within a second.
     */
    private void cancel(HttpServletRequest req, HttpServletResponse resp, String id) throws ApiError, IOException {
        ApiGate.Caller caller = gate.admit(req);
        ChatStream local = findHere(id, caller);
        if (local != null) {
            local.cancel();
            resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        AsyncContext async = requests.start(req);
        elsewhere(async, resp, id, caller, facts -> AsyncSteps.after(async, resp, registry.requestStop(id),
                (asked, failure) -> {
                    if (failure != null) {
                        throw Refusals.CLUSTER_UNAVAILABLE;
                    }
                    resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
                    async.complete();
                }, null));
    }

    /** What is done with a stream found for a request. */
    private interface Found<T> {
        void found(T stream) throws ApiError, IOException;
    }

    /**
     * The stream with this id, here or (in a cluster) followed from the node that runs it, if the caller may see
     * it; else 404, as for one that does not exist.
     */
    private void find(AsyncContext async, HttpServletResponse resp, String id, ApiGate.Caller caller,
                      Found<StreamSource> then) throws ApiError, IOException {
        ChatStream local = findHere(id, caller);
        if (local != null) {
            then.found(local);
            return;
        }
        elsewhere(async, resp, id, caller, facts -> AsyncSteps.after(async, resp, registry.follow(id),
                (stream, failure) -> {
                    if (failure != null) {
                        throw Refusals.CLUSTER_UNAVAILABLE;
                    }
                    if (stream == null) {
                        throw ApiError.notFound();
                    }
                    then.found(stream);
                }, null));
    }

    /** The stream with this id on this node; null when not here; 404 when here but not the caller's. */
    private ChatStream findHere(String id, ApiGate.Caller caller) throws ApiError {
        if (!StreamIds.isWellFormed(id)) {
            throw ApiError.notFound();
        }
        ChatStream stream = registry.find(id);
        if (stream != null && !mayUse(stream.principal(), caller)) {
            throw ApiError.notFound();
        }
        return stream;
    }

    /** What the nodes know of a stream this node does not hold, if the caller may see it; else 404. */
    private void elsewhere(AsyncContext async, HttpServletResponse resp, String id, ApiGate.Caller caller,
                           Found<SharedStreams.Facts> then) throws ApiError, IOException {
        AsyncSteps.after(async, resp, registry.findElsewhere(id), (facts, failure) -> {
            if (failure != null) {
                throw Refusals.CLUSTER_UNAVAILABLE;
            }
            if (facts.isEmpty() || !mayUse(facts.get().principal(), caller)) {
                throw ApiError.notFound();
            }
            then.found(facts.get());
        }, null);
    }

    /** The principal rule: where auth is on, only the principal that started a stream may use it. */
    private boolean mayUse(String principal, ApiGate.Caller caller) {
        return !gate.authEnabled() || Objects.equals(principal, caller.principal());
    }

    /** Resumes the stream of {@code lastEventId}, or opens the stream of a new reply to {@code request}. */
    private void open(AsyncContext async, HttpServletRequest req, HttpServletResponse resp, ApiGate.Caller caller,
                      ParsedRequest request, LastEventId lastEventId) throws ApiError, IOException {
        if (lastEventId != null) {
            find(async, resp, lastEventId.streamId(), caller,
                    stream -> responses.deliver(async, req, resp, stream, lastEventId.seq(), true));
            return;
        }
        opener.open(async, req, resp, caller, request.request(), request.fingerprint(), null,
                stream -> responses.deliver(async, req, resp, stream, 0, false));
    }

    /** The {@code Last-Event-ID} header, else the {@code lastEventId} query parameter; null when neither. */
    private static LastEventId lastEventId(HttpServletRequest req, QueryParameters query) throws ApiError {
        String value = req.getHeader("Last-Event-ID");
        if (value == null || value.isEmpty()) {
            value = query.get("lastEventId");
        }
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return LastEventId.parse(value.trim());
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid(e.getMessage());
        }
    }
}
