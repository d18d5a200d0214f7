package io.chatstream.stream;

/**
 * A parsed {@code Last-Event-ID}: {@code <streamId>:<seq>}, the last event a client has.
 *
 * <p>Only the form is checked here, not the id: an id this server never issued is an unknown stream (404), whatever
 * it looks like, and never a malformed request. A value that is not {@code <id>:<seq>} at all is malformed (400).
 *
 * @param streamId the stream; any non-empty text, which may name no stream
 * @param seq      the last event received; 0 means none. An {@code int}, as every seq: a stream's events are bounded
 *                 by {@code chat.stream.max-bytes}
 */
public record LastEventId(String streamId, int seq) {

    /** More digits than any seq a stream can reach, few enough to fit a {@code long}. */
    private static final int MAX_SEQ_DIGITS = 18;

    /**
     * Parses {@code value}: everything before its last {@code :} is the id, the ASCII digits after it the seq. A seq
     * past {@link Integer#MAX_VALUE} names an event no stream has sent, as {@link Integer#MAX_VALUE} does: it is read
     * as that.
     *
     * @throws IllegalArgumentException with a message fit for a 400 answer when it is not of the form
     */
    public static LastEventId parse(String value) {
        int colon = value == null ? -1 : value.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("Last-Event-ID must be <streamId>:<seq>");
        }
        String digits = value.substring(colon + 1);
        if (digits.isEmpty() || digits.length() > MAX_SEQ_DIGITS
                || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("Last-Event-ID must end with the event's sequence number");
        }
        long seq = Long.parseLong(digits);
        return new LastEventId(value.substring(0, colon), (int) Math.min(seq, Integer.MAX_VALUE));
    }
}
