package io.chatstream.stream;

/**
 * A parsed {@code Last-Event-ID}: {@code <streamId>:<seq>}, the last event a client has.
 *
 * @param streamId the stream
 * @param seq      the last event received; 0 means none
 */
public record LastEventId(String streamId, long seq) {

    /**
     * Parses {@code value}.
     *
     * @throws IllegalArgumentException with a message fit for a 400 answer when it is not of the form
     */
    public static LastEventId parse(String value) {
        if (value == null || value.length() > 64) {
            throw new IllegalArgumentException("Last-Event-ID must be <streamId>:<seq>");
        }
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("Last-Event-ID must be <streamId>:<seq>");
        }
        String id = value.substring(0, colon);
        String digits = value.substring(colon + 1);
        if (!StreamIds.isWellFormed(id)) {
            throw new IllegalArgumentException("Last-Event-ID names no valid stream id");
        }
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("Last-Event-ID must end with the event's sequence number");
        }
        return new LastEventId(id, Long.parseLong(digits));
    }
}
