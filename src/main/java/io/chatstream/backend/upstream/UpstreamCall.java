package io.chatstream.backend.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.BackendContext;
import io.chatstream.backend.BackendUnavailableException;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import io.chatstream.event.ErrorCode;
import io.chatstream.time.Ticker;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * One streamed upstream HTTP exchange, from request to the reply's terminal call, without any thread waiting on it.
 *
 * <p>The request goes out with {@link HttpClient#sendAsync}; the body comes to a {@link Flow.Subscriber} that asks for
 * one buffer at a time ({@code request(1)} after each is decoded), so nothing piles up in memory whatever the
 * upstream's pace, and hands each buffer to the dialect's {@link BodyDecoder}. One timer of the shared scheduler
 * watches for silence: every buffer, and the response headers, count as activity.
 *
 * <p>Exactly one terminal call reaches the sink for every call, unless it is {@link #cancel() cancelled} first:
 * <ul>
 *   <li>{@code end}, from the decoder, when the body says the reply is complete;</li>
 *   <li>{@code error} {@code upstream_auth} for HTTP 401 and 403, {@code upstream_rate_limited} for 429 and 529 (its
 *   {@code Retry-After} in the message), {@code upstream_error} for other statuses, refused connections, resets,
 *   malformed bodies, in-stream errors and bodies ending early, {@code upstream_timeout} when nothing arrives for the
 *   idle timeout or the connection cannot be made in time.</li>
 * </ul>
 * Error messages name the upstream ({@code host:port}), the status and a short excerpt of an error body, and are
 * scrubbed of the API key; each is logged once at WARNING.
 *
 * <p>{@link #cancel()} and every error close the upstream connection: before the response, the exchange is
 * aborted; after it, the body subscription is cancelled, which makes the JDK client close an HTTP/1.1 connection
 * (requests are made with {@link #newRequest}, which asks for HTTP/1.1, so this holds for every upstream). After a
 * normal end the rest of the body is read (it is normally empty) so the connection can be reused.
 */
public final class UpstreamCall implements Generation {

    private static final System.Logger LOG = System.getLogger(UpstreamCall.class.getName());

    /** How much of an error response's body is read for the message. */
    static final int ERROR_BODY_BYTES = 8 * 1024;

    /** How much is read after the reply ended, hoping for the body's end and a reusable connection. */
    static final int DRAIN_BYTES = 64 * 1024;

    /**
     * Who is called, for messages and nothing else.
     *
     * @param label    how messages name the upstream, e.g. {@code api.openai.com}
     * @param secret   the API key, masked out of every message; null when there is none
     * @param authHint what a 401 or 403 message adds, e.g. {@code Check chat.openai.api-key.}; null for nothing
     */
    public record Target(String label, String secret, String authHint) {
        public Target {
            Objects.requireNonNull(label, "label");
        }

        /** {@code host} or {@code host:port} of {@code uri}. */
        public static String label(URI uri) {
            return uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
        }

        @Override
        public String toString() {
            return "Target[" + label + "]";
        }
    }

    private final Target target;
    private final ReplySink sink;
    private final ScheduledExecutorService scheduler;
    private final Ticker ticker;
    private final Duration idleTimeout;
    private final Duration connectTimeout;
    private final Function<ChatSink, BodyDecoder> decoders;
    private volatile long lastActivityNanos;
    private volatile boolean finished;
    private volatile boolean headersReceived;
    private volatile CompletableFuture<?> exchange;
    private volatile Flow.Subscription subscription;
    private volatile ScheduledFuture<?> idleTimer;
    private volatile ErrorBody errorBody;

    private UpstreamCall(Target target, ChatSink sink, BackendContext context,
                         Function<ChatSink, BodyDecoder> decoders) {
        this.target = target;
        this.sink = new ReplySink(sink);
        this.scheduler = context.scheduler();
        this.ticker = context.ticker();
        this.lastActivityNanos = ticker.nanoTime();
        this.idleTimeout = context.idleTimeout();
        this.connectTimeout = context.connectTimeout();
        this.decoders = decoders;
    }

    /**
     * The model of a reply: the request's, else the backend's setting.
     *
     * @param configured the value of {@code setting}, or null when unset
     * @throws BackendUnavailableException neither names one (the client gets 503 saying so)
     */
    public static String model(ChatRequest request, String configured, String setting)
            throws BackendUnavailableException {
        String chosen = request.model() != null && !request.model().isBlank() ? request.model() : configured;
        if (chosen == null) {
            throw new BackendUnavailableException("no model: the request names none and " + setting + " is not set.");
        }
        return chosen;
    }

    /**
     * A request builder for an upstream: HTTP/1.1, so that cancelling closes the connection (with HTTP/2 it would
     * only reset one stream of a shared connection) and no {@code h2c} upgrade is attempted on plain HTTP, which some
     * local servers mishandle. No request timeout: the idle timeout covers the wait for headers.
     */
    public static HttpRequest.Builder newRequest(URI uri) {
        return HttpRequest.newBuilder(uri).version(HttpClient.Version.HTTP_1_1);
    }

    /**
     * A request builder for a streamed reply: {@code POST uri} with {@code body} as compact JSON, HTTP/1.1 as
     * {@link #newRequest}, and {@code Accept: accept} ({@code text/event-stream}, {@code application/x-ndjson}).
     * The provider's own headers (its key, its version) are the caller's to add.
     */
    public static HttpRequest.Builder postJson(URI uri, JsonNode body, String accept) {
        return newRequest(uri)
                .header("Content-Type", "application/json")
                .header("Accept", accept)
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
    }

    /**
     * Sends {@code request} with the context's HTTP client and streams the response to {@code sink}. Returns at once.
     *
     * @param decoders makes the decoder of a successful (2xx) body, given the sink it must report to
     */
    public static UpstreamCall start(BackendContext context, HttpRequest request, Target target, ChatSink sink,
                                     Function<ChatSink, BodyDecoder> decoders) {
        UpstreamCall call = new UpstreamCall(target, sink, context, decoders);
        call.scheduleIdleCheck(call.idleTimeout.toNanos());
        CompletableFuture<HttpResponse<Void>> exchange;
        try {
            exchange = context.httpClient().sendAsync(request, call::subscriber);
        } catch (RuntimeException e) {
            call.stop();
            throw e;
        }
        call.exchange = exchange;
        exchange.whenComplete((response, failure) -> {
            if (failure != null) {
                call.failed(failure);
            }
        });
        if (call.finished) {
            exchange.cancel(true); // cancelled while being sent
        }
        return call;
    }

    /** Stops the reply: no further sink call, the timer cancelled, the upstream connection closed. Idempotent. */
    @Override
    public void cancel() {
        sink.cancel();
        if (!finished) {
            LOG.log(Level.DEBUG, () -> "Upstream " + target.label() + ": call cancelled");
        }
        stop();
    }

    private HttpResponse.BodySubscriber<Void> subscriber(HttpResponse.ResponseInfo info) {
        touch();
        headersReceived = true;
        int status = info.statusCode();
        if (status >= 200 && status < 300) {
            return new StreamBody(decoders.apply(sink));
        }
        ErrorBody body = new ErrorBody(info);
        errorBody = body;
        return body;
    }

    private void touch() {
        lastActivityNanos = ticker.nanoTime();
    }

    /** Ends the reply with an error (unless it already ended) and closes the connection. */
    private void fail(ErrorCode code, String detail) {
        String message = Snippets.redact("Upstream " + target.label() + ": " + detail, target.secret());
        if (sink.fail(code, message)) {
            LOG.log(Level.WARNING, message);
        }
        stop();
    }

    private void failed(Throwable failure) {
        if (sink.isClosed()) {
            stop();
            return;
        }
        UpstreamFailures.Failure f = UpstreamFailures.of(failure, connectTimeout);
        LOG.log(Level.DEBUG, () -> "Upstream " + target.label() + " failed", failure);
        fail(f.code(), f.detail());
    }

    /** Nothing more is wanted from upstream: timer off, exchange aborted or body subscription cancelled. */
    private void stop() {
        finished = true;
        ScheduledFuture<?> timer = idleTimer;
        if (timer != null) {
            timer.cancel(false);
        }
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        CompletableFuture<?> e = exchange;
        if (e != null && !e.isDone()) {
            e.cancel(true);
        }
    }

    /** The body ended normally and the reply has its terminal call: only the timer is left to stop. */
    private void completed() {
        finished = true;
        ScheduledFuture<?> timer = idleTimer;
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void scheduleIdleCheck(long delayNanos) {
        try {
            idleTimer = scheduler.schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return; // the webapp is stopping; its shutdown cancels the reply
        }
        if (finished) {
            idleTimer.cancel(false);
        }
    }

    /** Runs on the scheduler: re-arms itself until nothing arrived for the whole idle timeout. */
    private void checkIdle() {
        if (finished) {
            return;
        }
        long left = idleTimeout.toNanos() - (ticker.nanoTime() - lastActivityNanos);
        if (left > 0) {
            scheduleIdleCheck(left);
            return;
        }
        if (sink.isClosed()) {
            stop(); // the reply ended but the body never did: give up on reusing the connection
            return;
        }
        ErrorBody pending = errorBody;
        if (pending != null) {
            pending.report(); // an error status whose body stalls: report the status with what came
            return;
        }
        fail(ErrorCode.UPSTREAM_TIMEOUT, "nothing received for " + idleTimeout.toSeconds() + " s"
                + (headersReceived ? "" : ", not even the response headers")
                + " (chat.upstream.idle-timeout-seconds)");
    }

    /** A response body read one buffer at a time; cancelled at once when the call already finished. */
    private abstract class Body implements HttpResponse.BodySubscriber<Void> {
        Flow.Subscription upstream;

        @Override
        public CompletionStage<Void> getBody() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            upstream = s;
            subscription = s;
            if (finished) {
                s.cancel();
            } else {
                s.request(1);
            }
        }
    }

    /** The body of a 2xx response: decoded buffer by buffer, one buffer requested at a time. */
    private final class StreamBody extends Body {
        private final BodyDecoder decoder;
        private long drained;

        StreamBody(BodyDecoder decoder) {
            this.decoder = decoder;
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            touch();
            if (sink.isClosed()) {
                drain(buffers);
                return;
            }
            boolean decoded = decode(() -> {
                for (ByteBuffer b : buffers) {
                    decoder.feed(b);
                    if (sink.isClosed()) {
                        break;
                    }
                }
            });
            if (decoded && !finished) {
                upstream.request(1);
            }
        }

        /** Runs a step of the decoder; false when it failed (the call is then failed). */
        private boolean decode(Runnable step) {
            try {
                step.run();
                return true;
            } catch (UpstreamException e) {
                fail(e.code(), e.getMessage());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Upstream " + target.label() + ": the response could not be decoded", e);
                fail(ErrorCode.INTERNAL, "the response could not be decoded");
            }
            return false;
        }

        private void drain(List<ByteBuffer> buffers) {
            for (ByteBuffer b : buffers) {
                drained += b.remaining();
            }
            if (finished || drained > DRAIN_BYTES) {
                stop();
            } else {
                upstream.request(1);
            }
        }

        @Override
        public void onError(Throwable failure) {
            failed(failure);
        }

        @Override
        public void onComplete() {
            if (!sink.isClosed()) {
                if (!decode(decoder::finish)) {
                    return;
                }
                if (!sink.isClosed()) {
                    fail(ErrorCode.UPSTREAM_ERROR, "the response ended before the reply finished");
                    return;
                }
            }
            completed();
        }
    }

    /** The body of any other status: its start is read for the message, then the status is reported. */
    private final class ErrorBody extends Body {
        private final HttpResponse.ResponseInfo info;
        private final byte[] body = new byte[ERROR_BODY_BYTES];
        private final AtomicBoolean reported = new AtomicBoolean();
        private volatile int length;

        ErrorBody(HttpResponse.ResponseInfo info) {
            this.info = info;
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            touch();
            int n = length;
            for (ByteBuffer b : buffers) {
                int take = Math.min(b.remaining(), body.length - n);
                b.get(body, n, take);
                n += take;
            }
            length = n;
            if (length == body.length) {
                report();
            } else {
                upstream.request(1);
            }
        }

        @Override
        public void onError(Throwable failure) {
            report();
        }

        @Override
        public void onComplete() {
            report();
            completed();
        }

        /** Reports the status once, with what came of the body; called from the client or the idle timer. */
        void report() {
            if (!reported.compareAndSet(false, true)) {
                return;
            }
            UpstreamFailures.Failure f = UpstreamFailures.ofStatus(info.statusCode(), info.headers(),
                    body, length, target.authHint());
            fail(f.code(), f.detail());
        }
    }
}
