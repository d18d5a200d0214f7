package io.chatstream.wire;

/**
 * {@link Framing#NDJSON}: the lines of {@link NdjsonFrames}. NDJSON has no ids and no {@code retry:}: the preamble
 * and the shutdown frame are empty, and the stream id and seq are not written.
 */
final class NdjsonFraming implements Framing {

    @Override
    public String contentType() {
        return "application/x-ndjson";
    }

    @Override
    public void preamble(ByteSink out, long retryMillis) {
        // nothing: a client of NDJSON reconnects when it likes
    }

    @Override
    public void event(ByteSink out, byte[] streamId, int seq, byte[] json, int offset, int length) {
        NdjsonFrames.event(out, json, offset, length);
    }

    @Override
    public void keepAlive(ByteSink out) {
        NdjsonFrames.ping(out);
    }

    @Override
    public void shutdown(ByteSink out, long retryMillis) {
        // nothing: the response ends
    }

    @Override
    public String toString() {
        return "NDJSON";
    }
}
