package io.chatstream.web;

import io.chatstream.wire.ByteSink;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads a request body without blocking a thread (a slow client costs memory, not a thread), up to a limit. Calls
 * exactly one of its callbacks, once, unless {@link #expire()} comes first.
 *
 * <p>The container keeps its read listener until the response completes, which for a stream is its whole life; so
 * once the body is read (or refused) the listener lets go of its buffers and its callback. Only the container's
 * callbacks, which it never runs concurrently, touch those fields.
 */
final class BodyReader implements ReadListener {

    /** What to do with the result. */
    interface Callback {
        void body(byte[] body);

        /** The body is larger than the limit: nothing more is read. */
        void tooLarge();

        /** The client went away or the read failed. */
        void failed(Throwable t);
    }

    /** The most a declared Content-Length makes us allocate before any byte came: a length is a claim. */
    private static final int MAX_INITIAL_CAPACITY = 16 * 1024;

    private final ServletInputStream in;
    private final long limit;
    private final AtomicBoolean done = new AtomicBoolean();
    /** Null once the body is read, refused or failed (see the class comment). */
    private Callback callback;
    private ByteSink body;
    private byte[] chunk = new byte[8192];

    BodyReader(ServletInputStream in, long limit, long expectedLength, Callback callback) {
        this.in = in;
        this.limit = limit;
        this.callback = callback;
        // the buffer grows with what arrives; a client announcing a large body and sending nothing costs little
        this.body = new ByteSink((int) Math.min(Math.max(expectedLength, 256), Math.min(limit, MAX_INITIAL_CAPACITY)));
    }

    @Override
    public void onDataAvailable() throws IOException {
        while (!done.get() && in.isReady()) {
            int n = in.read(chunk);
            if (n < 0) {
                return; // onAllDataRead follows
            }
            if (body.size() + (long) n > limit) {
                if (done.compareAndSet(false, true)) {
                    release().tooLarge();
                }
                return;
            }
            body.write(chunk, 0, n);
        }
        if (done.get()) {
            release();
        }
    }

    @Override
    public void onAllDataRead() {
        if (done.compareAndSet(false, true)) {
            byte[] bytes = body.toByteArray();
            release().body(bytes);
        } else {
            release();
        }
    }

    @Override
    public void onError(Throwable t) {
        if (done.compareAndSet(false, true)) {
            release().failed(t);
        } else {
            release();
        }
    }

    /** Drops the buffers and the callback; returns the callback, null when already released. */
    private Callback release() {
        Callback c = callback;
        callback = null;
        body = null;
        chunk = null;
        return c;
    }

    /** The body took too long: true when no callback was made, nor will be; the caller answers. */
    boolean expire() {
        return done.compareAndSet(false, true);
    }
}
