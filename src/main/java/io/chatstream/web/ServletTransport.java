package io.chatstream.web;

import io.chatstream.stream.Transport;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Transport} over an async servlet response whose output stream has a write listener.
 *
 * <p>Each write is followed by a flush, unless the container sends writes at once: Jetty with
 * {@code outputAggregationSize=0} (the dev server, and the setting the README gives for standalone Jetty), where a
 * flush runs the container's whole write path a second time with nothing in it. The transport finds out from the
 * first write, which is small (the {@code retry:} and {@code start} frames): a container that buffers (Tomcat's 8 KiB
 * response buffer, Jetty's aggregation buffer) has not committed the response after it; one that writes through has.
 *
 * <p>Once the container has ended the response (its listeners say so through {@link #ended(boolean)}) the transport never
 * calls into the request again, {@code complete()} included; after a failed call it only completes it. Containers
 * recycle a finished request's objects for the next connection (Tomcat's processor cache): a write or
 * {@code complete()} that came late from one of the application's threads would reach another client's response
 * (seen under load on Tomcat: new streams cut after their first event while old connections failed). Calls and
 * {@link #ended(boolean)} take one lock, so the container cannot recycle the request while a call is under way: its
 * listener returns only after the call.
 */
final class ServletTransport implements Transport {

    /**
     * How long a container callback waits for a call under way before it goes on regardless. Calls never block
     * (output is non-blocking), so this is a safety bound; while the webapp stops it counts within the last step of
     * the {@link StopSequence}, which waits for the container to finish each request.
     */
    private static final long ENDED_WAIT_MILLIS = 2000;
    /** A first write at most this long tells whether the container writes through (no buffer is this small). */
    static final int PROBE_MAX_BYTES = 512;

    private final AsyncContext async;
    private final HttpServletResponse response;
    private final ServletOutputStream out;
    /** Null until the first write: then whether a flush must follow each write. */
    private Boolean flushWrites;
    private final ReentrantLock lock = new ReentrantLock();
    /** The container ended the response: hands off. */
    private volatile boolean ended;
    /** A call into the output failed: nothing more is written. */
    private boolean failed;
    /** This transport completed the response. */
    private boolean completed;

    ServletTransport(AsyncContext async, HttpServletResponse response, ServletOutputStream out) {
        this.async = async;
        this.response = response;
        this.out = out;
    }

    /**
     * The container has ended the response (completed), or reports that it failed or timed out; from its listener,
     * before the container recycles the request. Waits for a call under way to return. A failed or timed-out response
     * is completed here, on the container's thread, if nothing completed it yet: not every container completes it by
     * itself.
     */
    void ended(boolean completeIt) {
        boolean locked = false;
        try {
            locked = lock.tryLock(ENDED_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (completeIt && !ended && !completed) {
                completed = true;
                try {
                    async.complete();
                } catch (IllegalStateException e) {
                    // the container completed it already
                }
            }
        } finally {
            ended = true;
            if (locked) {
                lock.unlock();
            }
        }
    }

    /** Under the lock. */
    private boolean writable() {
        return !ended && !failed && !completed;
    }

    @Override
    public boolean isReady() {
        lock.lock();
        try {
            return writable() && out.isReady();
        } catch (RuntimeException e) {
            failed = true;
            throw e;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        lock.lock();
        try {
            if (!writable()) {
                throw new IOException("The response has ended");
            }
            if (flushWrites == null) {
                boolean probe = length <= PROBE_MAX_BYTES && !response.isCommitted();
                out.write(bytes, offset, length);
                flushWrites = !(probe && response.isCommitted());
            } else {
                out.write(bytes, offset, length);
            }
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        lock.lock();
        try {
            if (!writable()) {
                throw new IOException("The response has ended");
            }
            if (flushWrites == Boolean.FALSE) {
                return; // the container sent it already
            }
            out.flush();
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void complete() {
        lock.lock();
        try {
            if (ended || completed) {
                return;
            }
            completed = true;
            async.complete(); // after a failed write too: the container may not end the response by itself
        } finally {
            lock.unlock();
        }
    }
}
