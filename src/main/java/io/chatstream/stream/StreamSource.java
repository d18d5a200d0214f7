package io.chatstream.stream;

/** A stream as its readers see it: the events after a seq, and a wake-up (StreamReader.wake) when there are more. */
public interface StreamSource {
    String id();

    int lastSeq();

    /** True once no event will follow lastSeq(). */
    boolean isTerminated();

    void frame(int seq, io.chatstream.wire.Framing framing, io.chatstream.wire.ByteSink out);

    long bytesAfter(int seq);

    /** Attaches a reader, woken on every new event; false when the stream no longer takes readers. */
    boolean attach(StreamReader reader);

    void detach(StreamReader reader);
}
