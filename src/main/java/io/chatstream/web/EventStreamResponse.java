package io.chatstream.web;

import io.chatstream.wire.Framing;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The servlet side of a streamed response (a chat stream, a diagnostics run): its headers, and the container's
 * callbacks bound to one {@link Writer} on non-blocking output. The first {@code onWritePossible} starts the
 * writer; later ones tell it the socket takes bytes again; completion, timeout and errors all close it.
 */
final class EventStreamResponse {

    /** What a streamed response is written by. */
    interface Writer {
        /** The container is ready for the first write. */
        void start(ServletTransport transport);

        /** The socket takes bytes again. */
        void writable();

        /** The response is over from the container's side: completed, failed, or the client went away. */
        void closed(Throwable cause);

        /**
         * The container times the response out although it was started without a timeout: it is ending it (Tomcat
         * times out every async request of a webapp that is stopping, before the webapp's listeners hear of it). A
         * last frame may be written now, on the container's thread; the response is completed after this returns.
         */
        default void timedOut() {
            closed(new IOException("async timeout"));
        }
    }

    private EventStreamResponse() {
    }

    /**
     * The framing a client's {@code Accept} header asks for ({@code SPEC.md} section 3): NDJSON when it names
     * {@code application/x-ndjson} and not {@code text/event-stream}; SSE otherwise, with no header too.
     */
    static Framing framing(String accept) {
        if (accept != null) {
            String a = accept.toLowerCase(Locale.ROOT);
            if (a.contains("application/x-ndjson") && !a.contains("text/event-stream")) {
                return Framing.NDJSON;
            }
        }
        return Framing.SSE;
    }

    /**
     * Sets the stream headers of {@code SPEC.md} section 3: status 200, {@code contentType},
     * {@code Cache-Control: no-cache, no-transform}, {@code X-Accel-Buffering: no}.
     */
    static void headers(HttpServletResponse resp, String contentType) {
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType(contentType);
        resp.setHeader("Cache-Control", "no-cache, no-transform");
        resp.setHeader("X-Accel-Buffering", "no");
    }

    /** Binds the container's callbacks for {@code async} to {@code writer}; returns the transport it writes to. */
    static ServletTransport bind(AsyncContext async, HttpServletResponse resp, Writer writer) throws IOException {
        ServletOutputStream out = resp.getOutputStream();
        ServletTransport transport = new ServletTransport(async, resp, out);
        async.addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {
                transport.ended(false);
                writer.closed(new IOException("response completed"));
            }

            @Override
            public void onTimeout(AsyncEvent event) {
                writer.timedOut();
                transport.ended(true);
            }

            @Override
            public void onError(AsyncEvent event) {
                writer.closed(event.getThrowable());
                transport.ended(true);
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
                // never restarted: one response, one writer
            }
        });
        AtomicBoolean started = new AtomicBoolean();
        out.setWriteListener(new WriteListener() {
            @Override
            public void onWritePossible() {
                if (started.compareAndSet(false, true)) {
                    writer.start(transport);
                } else {
                    writer.writable();
                }
            }

            @Override
            public void onError(Throwable t) {
                writer.closed(t);
                transport.ended(true);
            }
        });
        return transport;
    }
}
