package io.chatstream.wire;

/**
 * How a response's events are put on the wire: the one thing a streamed response's format decides. The stream core
 * hands a framing the bytes to write and never asks which format it is; the web layer picks one per response from
 * its {@code Accept} header. Pure: every method appends to a {@link ByteSink}, nothing else. Implementations keep
 * no state, so one instance serves every response.
 *
 * <pre>
 * SSE ({@link #SSE})                                  NDJSON ({@link #NDJSON})
 * retry: 3000\n\n                 preamble             (nothing)
 * id: &lt;streamId&gt;:7\ndata: {...}\n\n  event           {...}\n
 * : keep-alive\n\n                keep-alive           {"type":"ping"}\n
 * retry: 5000\n\n                 shutdown             (nothing: the response just ends)
 * </pre>
 */
public interface Framing {

    /** {@code text/event-stream}: see {@link SseFrames}. */
    Framing SSE = new SseFraming();

    /** {@code application/x-ndjson}: see {@link NdjsonFrames}. */
    Framing NDJSON = new NdjsonFraming();

    /** The response's {@code Content-Type}. */
    String contentType();

    /** Appends what goes before the first event, telling the client to reconnect after {@code retryMillis}. */
    void preamble(ByteSink out, long retryMillis);

    /**
     * Appends event {@code seq} of stream {@code streamId}, its JSON being {@code json[offset, offset+length)}: one
     * line, as {@link EventJson} writes it (a CR or LF in it is refused with {@link IllegalArgumentException}).
     */
    void event(ByteSink out, byte[] streamId, int seq, byte[] json, int offset, int length);

    /** Appends the frame sent when nothing else was written for a while. */
    void keepAlive(ByteSink out);

    /** Appends the last frame of a response the server ends: the client may come back after {@code retryMillis}. */
    void shutdown(ByteSink out, long retryMillis);
}
