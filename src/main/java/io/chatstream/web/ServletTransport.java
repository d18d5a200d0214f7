package io.chatstream.web;

import io.chatstream.stream.Transport;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Transport} over an async servlet response whose output stream has a write listener. Each write is
 * followed by a flush, unless the container is known to send writes at once ({@code chat.sse.container-writes-through}):
 * then a flush would only run the container's write path a second time with nothing in it.
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

    /** How long a container callback waits for a call under way before it goes on regardless. */
    private static final long ENDED_WAIT_MILLIS = 2000;

    private final AsyncContext async;
    private final ServletOutputStream out;
    private final boolean flushWrites;
    private final ReentrantLock lock = new ReentrantLock();
    /** The container ended the response: hands off. */
    private volatile boolean ended;
    /** A call into the output failed: nothing more is written. */
    private boolean failed;
    /** This transport completed the response. */
    private boolean completed;

    ServletTransport(AsyncContext async, ServletOutputStream out, boolean flushWrites) {
        this.async = async;
        this.out = out;
        this.flushWrites = flushWrites;
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
            out.write(bytes, offset, length);
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        if (!flushWrites) {
            return;
        }
        lock.lock();
        try {
            if (!writable()) {
                throw new IOException("The response has ended");
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
