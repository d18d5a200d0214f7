package io.chatstream.web;

import io.chatstream.protocol.ApiError;
import io.chatstream.stream.ChatStream;
import io.chatstream.stream.StreamSource;
import io.chatstream.stream.Delivery;
import io.chatstream.stream.StreamObserver;
import io.chatstream.wire.Framing;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;

/**
 * Answers a request with a stream's events: {@code 204} when the reader has every event already, else the stream
 * headers and a {@link Delivery} bound to the container's non-blocking output. Shared by the chat and the
 * conversation APIs, which find or open the stream each in their own way.
 */
final class StreamResponses {

    private final ScheduledExecutorService scheduler;
    private final StreamObserver observer;
    private final Delivery.Pacing pacing;
    private final LongSupplier shutdownRetryMillis;

    /**
     * @param shutdownRetryMillis the {@code retry:} of a response the container ends while the webapp stops
     */
    StreamResponses(ScheduledExecutorService scheduler, StreamObserver observer, Delivery.Pacing pacing,
                    LongSupplier shutdownRetryMillis) {
        this.scheduler = scheduler;
        this.observer = observer;
        this.pacing = pacing;
        this.shutdownRetryMillis = shutdownRetryMillis;
    }

    /**
     * Starts the response: 204 when everything was delivered, else headers, first frame, then the events. A reader
     * that names a seq the stream does not hold here yet waits, without a thread, for {@link StreamSource#reach}: a
     * stream followed from another node may run behind what its owner already delivered. A seq it still lacks then is
     * one it never sent: 400.
     *
     * @param afterSeq the last event the reader has (0: none)
     * @param resumed  whether the reader reconnects (with {@code Last-Event-ID})
     */
    void deliver(AsyncContext async, HttpServletRequest req, HttpServletResponse resp, StreamSource stream,
                 long afterSeq, boolean resumed) throws ApiError, IOException {
        if (afterSeq <= stream.lastSeq() || stream.isTerminated() || afterSeq > Integer.MAX_VALUE) {
            respond(async, req, resp, stream, afterSeq, resumed);
            return;
        }
        AsyncSteps.after(async, resp, stream.reach((int) afterSeq),
                (reached, failure) -> respond(async, req, resp, stream, afterSeq, resumed), null);
    }

    private void respond(AsyncContext async, HttpServletRequest req, HttpServletResponse resp, StreamSource stream,
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
        EventStreamResponse.bind(async, resp, new EventStreamResponse.Writer() {
            private volatile Delivery delivery;

            @Override
            public void start(ServletTransport transport) {
                delivery = new Delivery(stream, (int) afterSeq, framing, transport, scheduler, observer, pacing);
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
                    unattachedReaderLeft(stream);
                }
            }

            @Override
            public void timedOut() {
                // ended by the container, as when the webapp stops: the client is told when to come back
                Delivery d = delivery;
                if (d != null) {
                    d.shutdown(shutdownRetryMillis.getAsLong());
                } else {
                    unattachedReaderLeft(stream);
                }
            }
        });
    }

    /** A reader left before it was attached: a stream generated here may be left without readers now. */
    private static void unattachedReaderLeft(StreamSource stream) {
        if (stream instanceof ChatStream s) {
            s.unattachedReaderLeft();
        }
    }
}
