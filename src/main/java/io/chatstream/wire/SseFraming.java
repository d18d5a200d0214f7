package io.chatstream.wire;

/** {@link Framing#SSE}: the frames of {@link SseFrames}; the shutdown frame is a {@code retry:} field. */
final class SseFraming implements Framing {

    @Override
    public String contentType() {
        return "text/event-stream;charset=UTF-8";
    }

    @Override
    public void preamble(ByteSink out, long retryMillis) {
        SseFrames.retry(out, retryMillis);
    }

    @Override
    public void event(ByteSink out, byte[] streamId, int seq, byte[] json, int offset, int length) {
        SseFrames.event(out, streamId, seq, json, offset, length);
    }

    @Override
    public void keepAlive(ByteSink out) {
        SseFrames.keepAlive(out);
    }

    @Override
    public void shutdown(ByteSink out, long retryMillis) {
        SseFrames.retry(out, retryMillis);
    }

    @Override
    public String toString() {
        return "SSE";
    }
}
