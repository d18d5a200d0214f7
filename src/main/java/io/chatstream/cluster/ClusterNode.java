package io.chatstream.cluster;

import io.chatstream.stream.EventLogs;
import io.chatstream.stream.SharedStreams;
import io.chatstream.time.Ticker;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;

/**
 * This node's part in a cluster ({@code chat.cluster.redis-url}), started together and closed together: the one
 * Redis connection, the {@link StreamDirectory} all nodes share (under a node id new at each start), the logs of
 * this node's streams written to Redis, the streams of other nodes followed from here, and the watch that ends those
 * whose owner vanished. Nothing here waits for Redis: it may be away at start, and everything begins when it comes.
 */
public final class ClusterNode implements AutoCloseable {

    /** How often the streams of other nodes that readers here follow are read whatever the notices. */
    private static final Duration REMOTE_POLL = Duration.ofSeconds(1);

    private final RedisConnection redis;
    private final StreamDirectory directory;
    private final RedisEventLogs logs;
    private final RemoteStreams remote;
    private final OwnerWatch watch;
    private final Duration drain;

    private ClusterNode(RedisConnection redis, StreamDirectory directory, RedisEventLogs logs, RemoteStreams remote,
                        OwnerWatch watch, Duration drain) {
        this.redis = redis;
        this.directory = directory;
        this.logs = logs;
        this.remote = remote;
        this.watch = watch;
        this.drain = drain;
    }

    /**
     * Connects to {@code url} in the background and starts the node's parts on {@code scheduler}.
     *
     * @param retain      {@code chat.stream.retain-seconds}: how long a finished stream stays readable in Redis
     * @param maxDuration {@code chat.stream.max-duration-seconds}: the longest a stream's keys may need to live
     */
    public static ClusterNode start(RedisUrl url, ClusterSettings settings, Duration retain, Duration maxDuration,
                                    ScheduledExecutorService scheduler) {
        RedisConnection redis = RedisConnection.open(url, scheduler, Ticker.SYSTEM, settings.outage());
        String node = UUID.randomUUID().toString();
        StreamDirectory directory = RedisStreamDirectory.start(redis, node, settings, retain, scheduler);
        RedisEventLogs logs = new RedisEventLogs(redis, node, scheduler, retain, maxDuration);
        RemoteStreams remote = new RemoteStreams(redis, node, scheduler, REMOTE_POLL);
        OwnerWatch watch = new OwnerWatch(redis, directory, remote, scheduler, settings.renewEvery(), retain);
        return new ClusterNode(redis, directory, logs, remote, watch, settings.drain());
    }

    /** The node's Redis connection, which the cluster's rate limits use too. */
    public RedisConnection redis() {
        return redis;
    }

    /** This node's id in the directory: new at each start. */
    public String nodeId() {
        return directory.node();
    }

    /** Where this node's streams keep their events: in Redis, for every node to read. */
    public EventLogs eventLogs() {
        return logs;
    }

    /** The streams of all nodes, as this node's registry asks them. */
    public SharedStreams sharedStreams(int maxStreamsPerClient) {
        return new DirectorySharedStreams(directory, remote, maxStreamsPerClient);
    }

    /** {@code chat.cluster.drain-seconds}: how long a stopping node keeps its running generations going. */
    public Duration drain() {
        return drain;
    }

    /** Events of this node's streams appended and not yet in Redis. */
    public long logLag() {
        return logs.lag();
    }

    /** Closes the watch, the shared logs, the followed streams and the directory, then the connection they use. */
    @Override
    public void close() {
        watch.close();
        logs.close();
        remote.close();
        directory.close();
        redis.close();
    }
}
