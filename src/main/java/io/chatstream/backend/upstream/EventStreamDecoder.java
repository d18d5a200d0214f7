package io.chatstream.backend.upstream;

import io.chatstream.backend.ChatSink;

import java.nio.ByteBuffer;

/**
 * What every decoder of a {@code text/event-stream} dialect shares, whatever its events mean: the body is read as
 * bytes by one {@link SseByteReader}, each event's JSON by one {@link StreamJson} that lives as long as the body;
 * once the decoder has made its terminal call and said so with {@link #stop()}, later bytes and events are ignored;
 * a body that ends before that is an {@link UpstreamException} saying what never came. So a subclass states only
 * its dialect: {@link #onEvent} for each event, and {@link #bodyEnded} when a dialect's reply may be complete
 * without its last event.
 *
 * <p>Not thread-safe, as {@link BodyDecoder} is called: one body, one thread at a time.
 */
public abstract class EventStreamDecoder implements BodyDecoder {

    /** Where the reply goes. */
    protected final ChatSink sink;
    /** The parser of each event's data, reused from event to event. */
    protected final StreamJson json = new StreamJson();
    private final SseByteReader reader;
    private final String missing;
    private boolean done;

    /**
     * @param maxBytes the bound of one line, and of one event's data
     * @param missing  what a body that ends too early lacks, e.g. {@code no message_stop}
     */
    protected EventStreamDecoder(ChatSink sink, int maxBytes, String missing) {
        this.sink = sink;
        this.reader = new SseByteReader(maxBytes, this::event);
        this.missing = missing;
    }

    @Override
    public final void feed(ByteBuffer bytes) {
        if (!done) {
            reader.feed(bytes);
        }
    }

    @Override
    public final void finish() {
        if (done) {
            return;
        }
        reader.finish();
        if (!done) {
            bodyEnded();
        }
        if (!done) {
            stop();
            throw UpstreamException.malformed("the response ended before the reply finished (" + missing + ")");
        }
    }

    /**
     * One event, before the terminal call.
     *
     * @param type the {@code event:} field, or null; dialects that repeat it in the data may ignore it
     * @param data the data lines joined with LF, in {@code data[0..length)}; valid only during the call
     * @throws UpstreamException the event breaks the dialect or reports an error
     */
    protected abstract void onEvent(String type, byte[] data, int length);

    /**
     * The body ended, every event read, and no terminal call was made yet: a dialect that takes what it has as a
     * whole reply makes its terminal call here. Does nothing unless overridden, and the body is then cut short.
     */
    protected void bodyEnded() {
        // most dialects: a reply is whole only with its last event
    }

    /** The terminal call is made or being made: from now on nothing is read. */
    protected final void stop() {
        done = true;
        json.close();
    }

    private void event(String type, byte[] data, int length) {
        if (!done) {
            onEvent(type, data, length);
        }
    }
}
