package io.chatstream.web;

import io.chatstream.stream.Transport;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/** A {@link Transport} over an async servlet response whose output stream has a write listener. */
final class ServletTransport implements Transport {

    private final AsyncContext async;
    private final ServletOutputStream out;
    private final AtomicBoolean completed = new AtomicBoolean();

    ServletTransport(AsyncContext async, ServletOutputStream out) {
        this.async = async;
        this.out = out;
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
        out.flush();
    }

    @Override
    public void complete() {
        if (completed.compareAndSet(false, true)) {
            async.complete();
        }
    }
}
