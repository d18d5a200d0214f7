package io.chatstream.stream;

import java.io.IOException;

/**
 * The non-blocking output a {@link Delivery} writes to: in the webapp, a servlet response in async mode. Only ever
 * used by one thread at a time. The semantics are those of {@code ServletOutputStream} with a write listener: call
 * {@link #isReady()} before each write or flush; when it says false, the transport calls
 * {@link Delivery#onWritable()} once writing is possible again.
 */
public interface Transport {

    /** True when a write or flush may be made now without blocking. */
    boolean isReady();

    void write(byte[] bytes, int offset, int length) throws IOException;

    void flush() throws IOException;

    /** Ends the response (all written data is sent first, where the connection allows). Idempotent. */
    void complete();
}
