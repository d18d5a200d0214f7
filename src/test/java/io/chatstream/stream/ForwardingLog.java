package io.chatstream.stream;

import io.chatstream.wire.Framing;

/** A log that passes everything to another: a test overrides what it wants to see or change. */
class ForwardingLog implements EventLog {
    private final EventLog to;

    ForwardingLog(EventLog to) {
        this.to = to;
    }

    @Override
    public int append(byte[] json, int offset, int length) {
        return to.append(json, offset, length);
    }

    @Override
    public int size() {
        return to.size();
    }

    @Override
    public byte[] json(int seq) {
        return to.json(seq);
    }

    @Override
    public void frame(int seq, Framing framing, byte[] streamId, io.chatstream.wire.ByteSink out) {
        to.frame(seq, framing, streamId, out);
    }

    @Override
    public long bytes() {
        return to.bytes();
    }

    @Override
    public long bytesAfter(int seq) {
        return to.bytesAfter(seq);
    }
}
