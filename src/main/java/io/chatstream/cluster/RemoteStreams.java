package io.chatstream.cluster;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The streams other nodes run that readers on this node follow, and the one way this node learns of their new
 * events: a single publish/subscribe connection subscribed to {@code chat:streams}, where each owner publishes
 * {@code "<id> <lastSeq>"} lines after each flush, and a slow safety poll ({@code poll}) of every followed stream, so a
 * notice missed (a reconnect, an outage) only delays. Whatever the number of streams followed, a node holds two
 * Redis connections: the node's command connection ({@link RedisConnection}, shared with the rate limits and the
 * writing {@link RedisEventLogs}) and this subscription. No thread per stream, no blocking command. An outage longer
 * than {@code chat.cluster.outage-seconds} ends the followed streams ({@link RemoteStream#cutOff()}).
 */
public final class RemoteStreams implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RemoteStreams.class.getName());

    final RedisConnection redis;
    final ScheduledExecutorService scheduler;
    private final Map<String, RemoteStream> followed = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> poll;
    private final Duration pollEvery;
    private volatile StatefulRedisPubSubConnection<String, String> subscription;
    private volatile boolean subscribed;
    private volatile boolean closed;
    /** The subscription's failure is logged once, and only while commands go through: else it has one cause. */
    private volatile boolean subscribeFailureLogged;

    /**
     * Subscribes in the background and starts the poll.
     *
     * @param poll how often every followed stream is read whatever the notices: the longest a missed notice delays
     */
    public RemoteStreams(RedisConnection redis, ScheduledExecutorService scheduler, Duration poll) {
        this.redis = redis;
        this.scheduler = scheduler;
        this.pollEvery = poll;
        subscribe(1);
        long every = poll.toNanos();
        this.poll = scheduler.scheduleWithFixedDelay(this::pollAll, every, every, TimeUnit.NANOSECONDS);
        redis.whenOut(this::outage);
    }

    /** Redis has been away for the outage bound: every followed stream ends here, as its owner ends it. */
    private void outage() {
        for (RemoteStream s : followed.values()) {
            s.cutOff();
        }
    }

    /**
     * Connects the subscription, trying again (backing off up to 10 s) while Redis is not there; once connected,
     * Lettuce reconnects and subscribes it again by itself.
     */
    private void subscribe(int attempt) {
        redis.connectPubSub().whenComplete((c, t) -> {
            if (t != null) {
                // while the node's command connection fails too, RedisConnection has said why, in one line
                if (!subscribeFailureLogged && !redis.isDown()) {
                    subscribeFailureLogged = true;
                    LOG.log(Level.WARNING, "Cannot subscribe to " + StreamKeys.CHANNEL + " at " + redis.url() + " ("
                            + RedisConnection.rootMessage(t) + "): until it can, streams of other nodes are read every "
                            + pollEvery.toMillis() + " ms only");
                }
                if (!closed) {
                    scheduler.schedule(() -> subscribe(attempt + 1), Math.min(10, 1L << Math.min(attempt - 1, 4)),
                            TimeUnit.SECONDS);
                }
                return;
            }
            if (closed) {
                c.closeAsync();
                return;
            }
            c.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    notice(message);
                }
            });
            subscription = c;
            c.async().subscribe(StreamKeys.CHANNEL).whenComplete((v, f) -> {
                if (f == null) {
                    subscribed = true;
                } else if (RedisConnection.rootMessage(f).contains("NOPERM")) {
                    // the channel denied to the ACL user: said once; the poll reads meanwhile
                    redis.failed(RedisConnection.rootMessage(f));
                }
            });
        });
    }

    /**
     * Follows stream {@code id}: completes after its first read from Redis with the stream (holding every event
     * Redis has so far, then filled as the owner writes), or with null when Redis holds nothing of it, nor does
     * within {@link RemoteStream#CATCH_UP} (its first event may be on its way); fails when Redis cannot be read. Followers of one id share one {@link RemoteStream} while it is followed.
     */
    public CompletionStage<RemoteStream> follow(String id) {
        RemoteStream[] made = new RemoteStream[1];
        RemoteStream s = followed.computeIfAbsent(id, k -> made[0] = new RemoteStream(k, this));
        if (s == made[0]) {
            s.fetch();
        }
        return s.found();
    }

    /** True once the subscription took effect: from then on, notices come (Lettuce renews it after a reconnect). */
    public boolean subscribed() {
        return subscribed;
    }

    /** The number of streams followed now (not terminated, not released). */
    public int following() {
        return followed.size();
    }

    /** The streams followed now. */
    Collection<RemoteStream> followed() {
        return followed.values();
    }

    void forget(RemoteStream s) {
        followed.remove(s.id(), s);
    }

    /**
     * {@code "<id> <lastSeq>"} lines from an owner's flush (one per stream it wrote): for each stream this node
     * follows and lacks events of, read on.
     */
    private void notice(String message) {
        for (int from = 0; from < message.length(); ) {
            int to = message.indexOf('\n', from);
            if (to < 0) {
                to = message.length();
            }
            notice(message, from, to);
            from = to + 1;
        }
    }

    private void notice(String message, int from, int to) {
        int space = message.lastIndexOf(' ', to - 1);
        if (space <= from) {
            return;
        }
        RemoteStream s = followed.get(message.substring(from, space));
        if (s == null) {
            return;
        }
        try {
            // equal: the end marker's notice, which may come with no new event
            if (Integer.parseInt(message, space + 1, to, 10) >= s.lastSeq()) {
                s.fetch();
            }
        } catch (NumberFormatException e) {
            // not a notice of this format: ignored, the poll reads the stream anyway
        }
    }

    private void pollAll() {
        for (RemoteStream s : followed.values()) {
            try {
                s.fetch();
            } catch (RuntimeException e) { // a periodic task that throws is never run again
                LOG.log(Level.ERROR, "Reading stream " + s.id() + " from Redis failed", e);
            }
        }
    }

    /** Stops the poll and closes the subscription; the node's command connection is closed by its owner. */
    @Override
    public void close() {
        closed = true;
        poll.cancel(false);
        StatefulRedisPubSubConnection<String, String> c = subscription;
        if (c != null) {
            c.close();
        }
        followed.clear();
    }
}
