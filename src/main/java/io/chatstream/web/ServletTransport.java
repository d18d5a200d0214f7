package io.chatstream.web;

import io.chatstream.stream.Transport;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Transport} over an async servlet response whose output stream has a write listener. Each write is
 * followed by a flush, unless the container is known to send writes at once ({@code chat.sse.container-writes-through}):
 * then a flush would only run the container's write path a second time with nothing in it.
 */
final class ServletTransport implements Transport {

    private final AsyncContext async;
    private final ServletOutputStream out;
    private final boolean flushWrites;
    private final AtomicBoolean completed = new AtomicBoolean();

    ServletTransport(AsyncContext async, ServletOutputStream out, boolean flushWrites) {
        this.async = async;
        this.out = out;
        this.flushWrites = flushWrites;
    }

    @Override
    public boolean isReady() {
        return !completed.get() && out.isReady();
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
    }

    @Override
    public void flush() throws IOException {
        if (flushWrites) {
            out.flush();
        }
    }

    @Override
    public void complete() {
        if (completed.compareAndSet(false, true)) {
            async.complete();
        }
    }
}
