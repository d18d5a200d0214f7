package io.chatstream.store;

import java.util.Locale;

/** Where a message stands; a reply is {@link #STREAMING} until its stream ends. */
public enum MessageStatus {
    /** Its stream is running: attach with {@code GET /api/chat/streams/{stream_id}}. */
    STREAMING,
    /** Complete. */
    DONE,
    /** Cancelled: {@code DELETE} of its stream, or no reader left after the detach grace. */
    STOPPED,
    /** Ended by an error, or left behind by a node that went away; what had arrived is kept. */
    ERROR;

    /** The value on the wire and in the database, e.g. {@code streaming}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    static MessageStatus fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
