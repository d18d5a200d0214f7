package io.chatstream.cluster;

/**
 * The Redis names of a shared stream: one place for them, used by the writer ({@link RedisEventLog}) and the readers
 * ({@link RemoteStream}). The keys of a stream carry its id as a hash tag, so they live in one cluster slot.
 *
 * <pre>
 * chat:{&lt;id&gt;}:events   a Redis stream: entry 0-&lt;seq&gt; holds event seq's JSON in field "j"
 * chat:{&lt;id&gt;}:meta     a hash: "end" = the last seq, once the terminal event is written
 * chat:{&lt;id&gt;}:followed a string, set (with an expiry) by each node that follows the stream, so the owner notices
 * chat:streams          the channel each flush publishes to: "@&lt;node&gt;", then "&lt;id&gt; &lt;lastSeq&gt;" lines,
 *                       one per followed stream written, each with the events written
 * </pre>
 *
 * The scripts of {@link RedisEventLogs} and {@link OwnerWatch} spell the field names "j" and "end" too.
 */
final class StreamKeys {

    /** The one field of an entry: one letter, stored once per listpack node since every entry has the same. */
    static final String FIELD = "j";
    /** The field of the metadata hash that marks the end. */
    static final String END = "end";
    static final String CHANNEL = "chat:streams";

    private StreamKeys() {
    }

    static String events(String streamId) {
        return "chat:{" + streamId + "}:events";
    }

    static String meta(String streamId) {
        return "chat:{" + streamId + "}:meta";
    }

    static String followed(String streamId) {
        return "chat:{" + streamId + "}:followed";
    }

    /** The entry id of event {@code seq}: explicit, so a write sent twice is refused the second time. */
    static String entryId(int seq) {
        return "0-" + seq;
    }

    /** The seq of an entry id written by {@link #entryId}, or -1 for any other. */
    static int seq(String entryId) {
        if (entryId == null || !entryId.startsWith("0-")) {
            return -1;
        }
        try {
            return Integer.parseInt(entryId, 2, entryId.length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
