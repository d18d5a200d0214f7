package io.chatstream.backend.upstream;

import java.nio.ByteBuffer;

/**
 * Turns the body of one successful upstream response into calls to a {@link io.chatstream.backend.ChatSink}, as the
 * bytes arrive. Knows the provider's dialect, nothing of HTTP. Called by one thread at a time, never concurrently.
 *
 * <p>A decoder makes the reply's terminal call itself when the body says the reply is complete (a {@code [DONE]}, a
 * {@code done} line), and throws {@link UpstreamException} when the body is unusable. After its terminal call, further
 * bytes are ignored.
 */
public interface BodyDecoder {

    /**
     * Decodes the next bytes of the body; may hold an incomplete line until more arrive.
     *
     * @throws UpstreamException the bytes break the protocol, or carry an error from the upstream
     */
    void feed(ByteBuffer bytes);

    /**
     * The body ended. Makes the terminal call if the body held a complete reply.
     *
     * @throws UpstreamException the body ended before the reply was complete
     */
    void finish();
}
