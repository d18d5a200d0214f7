package io.chatstream.web;

import io.chatstream.protocol.ApiError;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletResponse;

import java.util.concurrent.ScheduledFuture;

/**
 * A request body on its way in, with its deadline, answered exactly once: by its {@link BodyReader}'s callback
 * (which calls {@link #settled()} first), or by {@link #answer} when the deadline passes, the webapp stops, or the
 * container ends the request first (Tomcat times out every async request of a webapp that is stopping; unanswered,
 * that is its 500 error page). The container's idle timeout must be long for streams, so a body that trickles in is
 * bounded here rather than there.
 */
final class PendingBody implements AsyncListener {

    /** Told once the body no longer waits: arrived, refused, failed, answered or completed. */
    interface Done {
        void settled(PendingBody body);
    }

    private final AsyncContext async;
    private final HttpServletResponse resp;
    private final Done done;
    private volatile BodyReader reader;
    private volatile ScheduledFuture<?> deadline;

    PendingBody(AsyncContext async, HttpServletResponse resp, Done done) {
        this.async = async;
        this.resp = resp;
        this.done = done;
    }

    /** From now on {@link #answer} may end the request: {@code r} reads it, {@code d} is its deadline. */
    void start(BodyReader r, ScheduledFuture<?> d) {
        reader = r;
        deadline = d;
        async.addListener(this);
    }

    /** The body arrived, was refused or failed: its callback answers. */
    void settled() {
        ScheduledFuture<?> d = deadline;
        if (d != null) {
            d.cancel(false);
        }
        done.settled(this);
    }

    /** Answers with {@code error} unless the body's callback came first. */
    void answer(ApiError error) {
        BodyReader r = reader;
        if (r != null && r.expire()) {
            settled();
            Responses.error(async, resp, error);
        }
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        answer(Refusals.STOPPING);
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
