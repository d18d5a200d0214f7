package io.chatstream.web;

import io.chatstream.protocol.ApiError;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The JSON bodies of the API's POST and PATCH requests, read without blocking a thread: {@code 415} for another
 * type, {@code 413} when larger than {@code chat.limits.max-body-bytes}, {@code 408} when not in within
 * {@code chat.limits.body-timeout-seconds}, {@code 503} when the webapp stops first (see {@link PendingBody}).
 */
final class JsonBodies {

    private static final System.Logger LOG = System.getLogger(JsonBodies.class.getName());

    /** What is done with a JSON body once it has arrived; an {@link ApiError} it throws is the answer. */
    interface Handler {
        void arrived(AsyncContext async, byte[] body) throws ApiError, IOException;
    }

    private final long maxBytes;
    private final Duration timeout;
    private final ScheduledExecutorService scheduler;
    private final AsyncRequests requests;
    private final Set<PendingBody> pending = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;

    JsonBodies(long maxBytes, Duration timeout, ScheduledExecutorService scheduler, AsyncRequests requests) {
        this.maxBytes = maxBytes;
        this.timeout = timeout;
        this.scheduler = scheduler;
        this.requests = requests;
    }

    /**
     * Starts async, reads the body and hands it to {@code then}, on a container thread.
     *
     * @param what the request as its errors name it, e.g. {@code POST /api/chat}
     */
    void read(HttpServletRequest req, HttpServletResponse resp, String what, Handler then)
            throws ApiError, IOException {
        String type = req.getContentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).split(";")[0].trim().equals("application/json")) {
            throw unread(req, resp, Refusals.unsupportedType(what));
        }
        long length = req.getContentLengthLong();
        if (length > maxBytes) {
            throw unread(req, resp, Refusals.tooLarge(maxBytes));
        }
        if (stopped) {
            throw unread(req, resp, Refusals.STOPPING);
        }
        AsyncContext async = requests.start(req);
        PendingBody body = new PendingBody(async, resp, pending::remove);
        BodyReader reader = new BodyReader(req.getInputStream(), maxBytes, length, new BodyReader.Callback() {
            @Override
            public void body(byte[] bytes) {
                body.settled();
                try {
                    then.arrived(async, bytes);
                } catch (ApiError e) {
                    Responses.error(async, resp, e);
                } catch (IOException | RuntimeException e) {
                    LOG.log(Level.WARNING, what + " failed", e);
                    Responses.error(async, resp, Refusals.FAILED);
                }
            }

            @Override
            public void tooLarge() {
                body.settled();
                Responses.error(async, resp, Refusals.tooLarge(maxBytes));
            }

            @Override
            public void failed(Throwable t) {
                body.settled();
                LOG.log(Level.DEBUG, () -> "Reading a request body failed: " + t);
                Responses.error(async, resp, ApiError.invalid("The request body could not be read."));
            }
        });
        pending.add(body);
        long seconds = timeout.toSeconds();
        ScheduledFuture<?> deadline;
        try {
            deadline = scheduler.schedule(() -> body.answer(Refusals.bodyTimedOut(seconds)), seconds,
                    TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            pending.remove(body);
            throw Refusals.STOPPING; // the scheduler has stopped: so has the webapp
        }
        body.start(reader, deadline);
        if (stopped) {
            body.answer(Refusals.STOPPING); // the stop came while this body was being set up
            return;
        }
        req.getInputStream().setReadListener(reader);
    }

    /**
     * The webapp stops: every body still coming in is answered {@code 503} now, rather than left to its deadline,
     * which would never come (the scheduler stops with the application), and a body that comes later is refused.
     */
    void stop() {
        stopped = true;
        for (PendingBody p : List.copyOf(pending)) {
            p.answer(Refusals.STOPPING);
        }
    }

    /**
     * A refusal answered without reading the request's body: the connection closes after it ({@code Connection:
     * close}), as RFC 9112 asks, so a client does not send its next request on a connection the server is about to
     * drop because of the unread bytes.
     */
    private static ApiError unread(HttpServletRequest req, HttpServletResponse resp, ApiError refusal) {
        // HTTP/1 only (HTTP/2 has no such header: a refused stream there costs its connection nothing); -1: chunked
        if (req.getProtocol().startsWith("HTTP/1") && req.getContentLengthLong() != 0) {
            resp.setHeader("Connection", "close");
        }
        return refusal;
    }
}
