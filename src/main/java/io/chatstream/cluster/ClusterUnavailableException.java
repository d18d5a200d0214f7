package io.chatstream.cluster;

/**
 * Redis did not answer (it is away, or slower than {@link RedisConnection#COMMAND_TIMEOUT}): the caller answers
 * {@code 503} with {@code Retry-After} rather than guess what the cluster knows.
 */
public final class ClusterUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ClusterUnavailableException(Throwable cause) {
        super("Redis did not answer: " + RedisConnection.rootMessage(cause), cause);
    }
}
