package io.chatstream.web;

import io.chatstream.app.ChatApplication;
import io.chatstream.backend.BackendUnavailableException;
import io.chatstream.backend.ChatRequest;
import io.chatstream.config.ChatConfig;
import io.chatstream.limits.Decision;
import io.chatstream.limits.RateLimitFields;
import io.chatstream.limits.ReplyLimits;
import io.chatstream.protocol.ApiError;
import io.chatstream.protocol.ParsedRequest;
import io.chatstream.stream.ChatStream;
import io.chatstream.stream.ConversationReply;
import io.chatstream.stream.Delivery;
import io.chatstream.stream.LastEventId;
import io.chatstream.stream.StreamIds;
import io.chatstream.stream.StreamRegistry;
import io.chatstream.wire.Framing;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The chat API ({@code SPEC.md} sections 1 to 5): {@code POST /api/chat}, {@code GET /api/chat?prompt=},
 * {@code GET} and {@code DELETE /api/chat/streams/{id}}. Parses and admits the request, finds or opens the stream,
 * then hands the response to a {@link Delivery} over non-blocking output. No request thread is kept.
 */
final class ChatServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(ChatServlet.class.getName());
    private static final String STREAMS = "/streams/";
    /** Answered to a POST whose body was still coming in when the webapp stopped. */
    private static final ApiError STOPPING = new ApiError(503, "unavailable", "The server is stopping; send the"
            + " request again.", 5);

    private final transient ChatApplication app;
    private final transient ApiGate gate;
    private final transient AsyncRequests requests;
    private final transient Set<PendingBody> pendingBodies = ConcurrentHashMap.newKeySet();

    ChatServlet(ChatApplication app, ApiGate gate, AsyncRequests requests) {
        this.app = app;
        this.gate = gate;
        this.requests = requests;
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
            error = new ApiError(503, "unavailable", "The server could not take this request now.", 1);
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
        readJson(req, resp, "POST /api/chat", (async, body) ->
                open(async, req, resp, caller, app.requestParser().read(body), lastEventId));
    }

    /** What is done with a JSON body once it has arrived; an {@link ApiError} it throws is the answer. */
    interface JsonBody {
        void arrived(AsyncContext async, byte[] body) throws ApiError, IOException;
    }

    /**
     * Starts async, reads a JSON body of at most {@code chat.limits.max-body-bytes} without blocking and hands it
     * to {@code then}: 415 for another type, 413 when larger, 408 when it does not arrive in time, 503 when the
     * webapp stops first.
     */
    void readJson(HttpServletRequest req, HttpServletResponse resp, String what, JsonBody then)
            throws ApiError, IOException {
        String type = req.getContentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).split(";")[0].trim().equals("application/json")) {
            throw new ApiError(415, "unsupported_media_type", what + " takes Content-Type: application/json.");
        }
        long limit = app.config().maxBodyBytes();
        long length = req.getContentLengthLong();
        if (length > limit) {
            throw tooLarge(limit);
        }
        AsyncContext async = requests.start(req);
        PendingBody pending = new PendingBody(async, resp);
        BodyReader reader = new BodyReader(req.getInputStream(), limit, length, new BodyReader.Callback() {
            @Override
            public void body(byte[] body) {
                pending.settled();
                try {
                    then.arrived(async, body);
                } catch (ApiError e) {
                    fail(async, resp, e);
                } catch (IOException | RuntimeException e) {
                    LOG.log(Level.WARNING, what + " failed", e);
                    fail(async, resp, new ApiError(503, "unavailable", "The server could not take this"
                            + " request now.", 1));
                }
            }

            @Override
            public void tooLarge() {
                pending.settled();
                fail(async, resp, ChatServlet.tooLarge(limit));
            }

            @Override
            public void failed(Throwable t) {
                pending.settled();
                LOG.log(Level.DEBUG, () -> "Reading a request body failed: " + t);
                fail(async, resp, ApiError.invalid("The request body could not be read."));
            }
        });
        // the container's idle timeout must be long for streams: a body that trickles in is bounded here
        long seconds = app.config().bodyTimeout().toSeconds();
        pending.start(reader, app.scheduler().schedule(() -> pending.answer(new ApiError(408, "request_timeout",
                "The request body did not arrive within " + seconds + " s.")), seconds, TimeUnit.SECONDS));
        req.getInputStream().setReadListener(reader);
    }

    /**
     * The webapp stops: each POST whose body is still coming in is answered {@code 503} now, rather than left to
     * its body's deadline, which would never come (the application's timers stop with it).
     */
    void stop() {
        for (PendingBody p : List.copyOf(pendingBodies)) {
            p.answer(STOPPING);
        }
    }

    /**
     * A POST body on its way in, which is answered once: by the body's callbacks, or by {@link #answer} when its
     * deadline passes, the webapp stops, or the container ends the request first (Tomcat times out every async
     * request of a webapp that is stopping; unanswered, that is its 500 error page).
     */
    private final class PendingBody implements AsyncListener {
        private final AsyncContext async;
        private final HttpServletResponse resp;
        private volatile BodyReader reader;
        private volatile ScheduledFuture<?> deadline;

        PendingBody(AsyncContext async, HttpServletResponse resp) {
            this.async = async;
            this.resp = resp;
        }

        void start(BodyReader r, ScheduledFuture<?> d) {
            reader = r;
            deadline = d;
            pendingBodies.add(this);
            async.addListener(this);
        }

        /** The body arrived, was refused or failed: its callback answers. */
        void settled() {
            ScheduledFuture<?> d = deadline;
            if (d != null) {
                d.cancel(false);
            }
            pendingBodies.remove(this);
        }

        /** Answers with {@code error} unless the body's callback came first. */
        void answer(ApiError error) {
            BodyReader r = reader;
            if (r != null && r.expire()) {
                settled();
                fail(async, resp, error);
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            answer(STOPPING);
        }

        @Override
        public void onComplete(AsyncEvent event) {
            settled();
        }

        @Override
        public void onError(AsyncEvent event) {
            // the read listener's onError answers
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // never restarted
        }
    }

    /** {@code GET /api/chat?prompt=...}: what {@code EventSource} opens, and reconnects to with Last-Event-ID. */
    private void getWithPrompt(HttpServletRequest req, HttpServletResponse resp) throws ApiError, IOException {
        ApiGate.Caller caller = gate.admit(req);
        QueryParameters query = QueryParameters.of(req);
        LastEventId lastEventId = lastEventId(req, query);
        ParsedRequest request = lastEventId == null ? app.requestParser().readQuery(query.asMap()) : null;
        AsyncContext async = requests.start(req);
        open(async, req, resp, caller, request, lastEventId);
    }

    /** {@code GET /api/chat/streams/{id}}: from the first event, or after Last-Event-ID. */
    private void attach(HttpServletRequest req, HttpServletResponse resp, String id) throws ApiError, IOException {
        ApiGate.Caller caller = gate.admit(req);
        LastEventId lastEventId = lastEventId(req, QueryParameters.of(req));
        ChatStream stream = find(id, caller); // first: an unknown stream is 404, whatever else is wrong
        if (lastEventId != null && !lastEventId.streamId().equals(id)) {
            throw ApiError.invalid("Last-Event-ID names another stream than the path.");
        }
        AsyncContext async = requests.start(req);
        deliver(async, req, resp, stream, lastEventId == null ? 0 : lastEventId.seq(), lastEventId != null);
    }

    /** {@code DELETE /api/chat/streams/{id}}: 204 whether the stream was running or had already ended. */
    private void cancel(HttpServletRequest req, HttpServletResponse resp, String id) throws ApiError {
        ApiGate.Caller caller = gate.admit(req);
        find(id, caller).cancel();
        resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
    }

    private ChatStream find(String id, ApiGate.Caller caller) throws ApiError {
        ChatStream stream = StreamIds.isWellFormed(id) ? app.registry().find(id) : null;
        if (stream == null || (gate.authEnabled() && !stream.principal().equals(caller.principal()))) {
            throw ApiError.notFound();
        }
        return stream;
    }

    /**
     * Resumes the stream of {@code lastEventId}, attaches a repeat of an Idempotency-Key to its stream, or asks the
     * limits on new replies and opens a new one. Neither a resume nor a repeat is a new reply: they are not counted.
     * Where the limits need Redis, their answer completes later, on another thread, and the request continues on a
     * container thread then; until it does, no thread waits for it.
     */
    private void open(AsyncContext async, HttpServletRequest req, HttpServletResponse resp, ApiGate.Caller caller,
                      ParsedRequest request, LastEventId lastEventId) throws ApiError, IOException {
        if (lastEventId != null) {
            deliver(async, req, resp, find(lastEventId.streamId(), caller), lastEventId.seq(), true);
            return;
        }
        openStream(async, req, resp, caller, request.request(), request.fingerprint(), null,
                stream -> deliver(async, req, resp, stream, 0, false));
    }

    /** What is done with a reply's stream once it is open; an {@link ApiError} it throws is the answer. */
    interface Opened {
        void opened(ChatStream stream) throws ApiError, IOException;
    }

    /**
     * Opens a new stream for {@code request}, admitted like every reply, or finds the retained one of the request's
     * {@code Idempotency-Key} (which keeps its own {@link ChatStream#conversationReply()}), and hands it to
     * {@code then}. Neither a resume nor a repeat is a new reply: they are not counted. Where the limits need Redis,
     * their answer completes later, on another thread, and the request continues on a container thread then; until
     * it does, no thread waits for it.
     *
     * @param fingerprint the request's fingerprint, compared with a repeated key's first request; null: none
     * @param reply       the conversation message the stream writes, or null
     */
    void openStream(AsyncContext async, HttpServletRequest req, HttpServletResponse resp, ApiGate.Caller caller,
                    ChatRequest request, String fingerprint, ConversationReply reply, Opened then)
            throws ApiError, IOException {
        String idempotencyKey = req.getHeader("Idempotency-Key");
        if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.length() > 255)) {
            throw ApiError.invalid("Idempotency-Key must be 1 to 255 characters.");
        }
        String compared = idempotencyKey == null ? null : fingerprint;
        ChatStream repeat;
        try {
            repeat = app.registry().findByIdempotencyKey(caller.clientKey(), idempotencyKey, compared);
        } catch (StreamRegistry.RefusedException e) {
            throw refused(e);
        }
        if (repeat != null) {
            then.opened(repeat);
            return;
        }
        CompletableFuture<Decision> admission = app.replyLimits().admit(caller.clientKey()).toCompletableFuture();
        if (admission.isDone()) {
            start(resp, caller, request, compared, idempotencyKey, reply, admission.join(), then);
            return;
        }
        admission.thenAccept(decision -> continueLater(async, resp, caller, decision, () ->
                start(resp, caller, request, compared, idempotencyKey, reply, decision, then)));
    }

    /** Runs {@code step} on a container thread; a request the container already ended gives its admission back. */
    private void continueLater(AsyncContext async, HttpServletResponse resp, ApiGate.Caller caller,
                               Decision decision, Step step) {
        try {
            async.start(() -> {
                try {
                    step.run();
                } catch (ApiError e) {
                    fail(async, resp, e);
                } catch (IOException | RuntimeException e) {
                    LOG.log(Level.WARNING, "Starting a reply failed", e);
                    fail(async, resp, new ApiError(503, "unavailable", "The server could not take this request"
                            + " now.", 1));
                }
            });
        } catch (IllegalStateException gone) {
            // the container ended the request while the limits were asked (client gone, webapp stopping)
            LOG.log(Level.DEBUG, () -> "A request ended before its admission came: " + gone);
            app.replyLimits().release(caller.clientKey(), decision);
        }
    }

    /** The answer to a stream registry's refusal: each refusal's status, code and words in one place. */
    private ApiError refused(StreamRegistry.RefusedException e) {
        return switch (e.refusal()) {
            case TOO_MANY_FOR_CLIENT -> new ApiError(429, "too_many_streams", "You have "
                    + app.config().maxStreamsPerClient() + " replies running; wait for one to end.", 5);
            case TOO_MANY -> new ApiError(503, "unavailable", "The server is at its limit of running replies.",
                    5);
            case KEY_REUSED -> new ApiError(422, "idempotency_key_reused", "This Idempotency-Key was used for"
                    + " another request; a retry must send the same body. Use a new key for a new request.");
        };
    }

    /** A step of a request that may throw what the request answers. */
    private interface Step {
        void run() throws ApiError, IOException;
    }

    /**
     * With the limits' {@code decision}: refuses with {@code 429 rate_limited}, or opens the stream. Either answer
     * carries {@code RateLimit-Policy} and {@code RateLimit}; a refusal also {@code Retry-After}. A start counted
     * by the limits but refused by a stream limit is taken back, and that refusal keeps its own code and headers.
     */
    private void start(HttpServletResponse resp, ApiGate.Caller caller, ChatRequest request, String fingerprint,
                       String idempotencyKey, ConversationReply reply, Decision decision, Opened then)
            throws ApiError, IOException {
        ReplyLimits limits = app.replyLimits();
        if (!decision.allowed()) {
            rateLimitFields(resp, limits, caller.clientKey(), decision);
            throw new ApiError(429, "rate_limited", limits.message(decision), decision.retryAfterSeconds());
        }
        ChatStream stream;
        try {
            stream = app.registry().open(request, fingerprint, caller.clientKey(), caller.principal(),
                    idempotencyKey, reply);
        } catch (StreamRegistry.RefusedException e) {
            limits.release(caller.clientKey(), decision);
            throw refused(e);
        } catch (BackendUnavailableException e) {
            limits.release(caller.clientKey(), decision);
            throw new ApiError(503, "unavailable", "The model backend cannot be used now: " + e.getMessage(), 10);
        }
        rateLimitFields(resp, limits, caller.clientKey(), decision);
        then.opened(stream);
    }

    /** {@code RateLimit-Policy} and {@code RateLimit} (draft-ietf-httpapi-ratelimit-headers-12), where a limit is on. */
    private static void rateLimitFields(HttpServletResponse resp, ReplyLimits limits, String clientKey,
                                        Decision decision) {
        String policy = RateLimitFields.policy(limits.limits(), clientKey);
        String current = RateLimitFields.current(decision, clientKey);
        if (policy != null && current != null) {
            resp.setHeader("RateLimit-Policy", policy);
            resp.setHeader("RateLimit", current);
        }
    }

    /** Starts the response: 204 when everything was delivered, else headers, first frame, then the events. */
    void deliver(AsyncContext async, HttpServletRequest req, HttpServletResponse resp, ChatStream stream,
                 long afterSeq, boolean resumed) throws ApiError, IOException {
        if (afterSeq > stream.lastSeq()) {
            throw ApiError.invalid("Last-Event-ID names an event this stream has not sent.");
        }
        if (stream.isTerminated() && afterSeq == stream.lastSeq()) {
            resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
            async.complete();
            return;
        }
        Framing framing = EventStreamResponse.framing(req.getHeader("Accept"));
        EventStreamResponse.headers(resp, framing.contentType());
        resp.setHeader("X-Stream-Id", stream.id());
        ChatConfig c = app.config();
        EventStreamResponse.bind(async, resp, new EventStreamResponse.Writer() {
            private volatile Delivery delivery;

            @Override
            public void start(ServletTransport transport) {
                delivery = new Delivery(stream, (int) afterSeq, framing, transport, app.scheduler(), app.observer(),
                        Delivery.Pacing.of(c));
                delivery.start(resumed);
            }

            @Override
            public void writable() {
                delivery.onWritable();
            }

            @Override
            public void closed(Throwable cause) {
                Delivery d = delivery;
                if (d != null) {
                    d.onTransportError(cause);
                } else {
                    stream.unattachedReaderLeft();
                }
            }

            @Override
            public void timedOut() {
                // ended by the container, as when the webapp stops: the client is told when to come back
                Delivery d = delivery;
                if (d != null) {
                    d.shutdown(app.registry().shutdownRetryMillis());
                } else {
                    stream.unattachedReaderLeft();
                }
            }
        });
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


    private static ApiError tooLarge(long limit) {
        return new ApiError(413, "payload_too_large", "The body is larger than " + limit + " bytes.");
    }

    private static void fail(AsyncContext async, HttpServletResponse resp, ApiError e) {
        Responses.error(resp, e);
        async.complete();
    }
}
