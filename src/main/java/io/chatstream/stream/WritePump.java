package io.chatstream.stream;

import io.chatstream.wire.ByteSink;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one way a streamed response is written: whatever its {@link Source} has due goes to the {@link Transport}
 * while the transport takes bytes, each write followed by a flush, so a slow socket never makes the server buffer
 * more than its source holds. Used by the chat streams ({@link Delivery}) and the connection test.
 *
 * <p>Every signal (new bytes due, the socket writable again, a timer) calls {@link #signal()}; a work-in-progress
 * counter lets exactly one thread at a time write, and that thread goes round once more for each signal that came
 * meanwhile, so none is lost and no thread ever waits for another.
 */
public final class WritePump {

    /** What a pump writes. Its methods are called by one thread at a time, the one writing. */
    public interface Source {

        /**
         * The transport takes bytes and every earlier write is flushed: append what is due now to {@code out}
         * (empty) to have it written and flushed, or leave it empty when nothing is due until the next signal. The
         * source ends its connection here once it has nothing more to send (then {@link #isClosed()} is true),
         * after a last frame if it likes (see {@link WritePump#writeLast}).
         */
        void fill(ByteSink out) throws IOException;

        /** The transport takes nothing now; its owner signals once it does. */
        void stalled();

        /**
         * {@link #fill}, a write or a flush threw: the connection is over. An {@link IOException} or a
         * {@link RuntimeException} (containers throw {@code IllegalStateException} from a response closed under
         * the writer) means the client left; an {@link Error} (out of memory half way through a write) leaves the
         * source in an unknown state, and it must end too.
         */
        void failed(Throwable cause);

        /** True once the source has ended its connection: nothing more is written. */
        boolean isClosed();
    }

    private final Transport transport;
    private final Source source;
    private final AtomicInteger wip = new AtomicInteger();
    private final ByteSink buffer = new ByteSink(256);
    /** Touched only by the writing thread. */
    private boolean needFlush;

    public WritePump(Transport transport, Source source) {
        this.transport = transport;
        this.source = source;
    }

    /** Something may be due, or the transport takes bytes again: write what is due, here or on the writing thread. */
    public void signal() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            try {
                drain();
            } catch (IOException | RuntimeException | Error e) {
                // caught so that wip comes down: a pump left with it up would never write again
                source.failed(e);
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    /**
     * Only from {@link Source#fill}: writes {@code out} at once, and flushes it if the transport still takes bytes,
     * then empties it. For a last frame before the source ends its connection without waiting for the socket
     * (ending the response sends what was written, where the connection allows).
     */
    public void writeLast(ByteSink out) throws IOException {
        transport.write(out.array(), 0, out.size());
        if (transport.isReady()) {
            transport.flush();
        }
        out.reset();
    }

    private void drain() throws IOException {
        while (!source.isClosed()) {
            if (!transport.isReady()) {
                source.stalled();
                return;
            }
            if (needFlush) {
                needFlush = false;
                transport.flush();
                continue;
            }
            buffer.reset();
            source.fill(buffer);
            if (buffer.size() == 0 || source.isClosed()) {
                return;
            }
            transport.write(buffer.array(), 0, buffer.size());
            needFlush = true;
        }
    }
}
