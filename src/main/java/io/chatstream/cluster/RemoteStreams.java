package io.chatstream.cluster;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The streams other nodes run that readers on this node follow, and the one way this node learns of their new events: a
 * single publish/subscribe connection subscribed to {@code chat:streams}, where each owner publishes after each flush a
 * line naming itself (which it skips on its own subscription) and {@code "<id> <lastSeq>"} lines for the streams some
 * node marked as followed (this node marks each stream it follows before its first read, and renews the mark on the
 * poll), and a slow safety poll ({@code poll}) of every followed stream, so a notice missed (a reconnect, an outage)
 * only delays. Whatever the number of streams followed, a node holds two Redis connections: the node's command
 * connection ({@link RedisConnection}, shared with the rate limits and the writing {@link RedisEventLogs}) and this
 * subscription. A notice carries the events it announces, up to {@link RedisEventLogs#NOTICE_BYTES} a flush: a follower
 * reads Redis itself only for the rest, to catch up, and on the poll. No thread per stream, no blocking command. An
 * outage longer than {@code chat.cluster.outage-seconds} ends the followed streams ({@link RemoteStream#cutOff()}).
 */
public final class RemoteStreams implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RemoteStreams.class.getName());
    private static final byte[] CHANNEL = StreamKeys.CHANNEL.getBytes(StandardCharsets.US_ASCII);
    /**
     * How long this node's mark on a stream it follows ({@link StreamKeys#followed}) lasts unless renewed: a node that
     * stops following, or dies, costs the owner's notices no longer than this.
     */
    static final Duration FOLLOW_MARK = Duration.ofSeconds(30);

    final RedisConnection redis;
    final ScheduledExecutorService scheduler;
    /** {@link #header} of this node, as bytes: a notice that begins with it is this node's own. */
    private final byte[] ownNotices;
    private final Map<String, RemoteStream> followed = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> poll;
    private final Duration pollEvery;
    /** Every this many polls the marks of the streams followed are renewed: well within {@link #FOLLOW_MARK}. */
    private final long markEvery;
    private volatile long polls;
    private volatile StatefulRedisPubSubConnection<byte[], byte[]> subscription;
    private volatile boolean subscribed;
    private volatile boolean closed;
    /** The subscription's failure is logged once, and only while commands go through: else it has one cause. */
    private volatile boolean subscribeFailureLogged;

    /**
     * Subscribes in the background and starts the poll.
     *
     * @param node this node's id: the notices of its own flushes ({@link RedisEventLogs}) are skipped unread
     * @param poll how often every followed stream is read whatever the notices: the longest a missed notice delays
     */
    public RemoteStreams(RedisConnection redis, String node, ScheduledExecutorService scheduler, Duration poll) {
        this.redis = redis;
        this.ownNotices = (header(node) + "\n").getBytes(StandardCharsets.UTF_8);
        this.scheduler = scheduler;
        this.pollEvery = poll;
        this.markEvery = Math.max(1, FOLLOW_MARK.dividedBy(3).toNanos() / poll.toNanos());
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
        redis.connectPubSub(ByteArrayCodec.INSTANCE).whenComplete((c, t) -> {
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
                public void message(byte[] channel, byte[] message) {
                    if (fromHere(message)) {
                        return; // this node's own flush: a node follows only the streams of others
                    }
                    try {
                        scheduler.execute(() -> notice(message)); // where the reads' answers are taken too
                    } catch (RejectedExecutionException stopping) {
                        // the webapp stops: nothing is followed any more
                    }
                }
            });
            subscription = c;
            c.async().subscribe(CHANNEL).whenComplete((v, f) -> {
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
     * Follows stream {@code id}: completes after its first read from Redis with the stream (holding every event Redis
     * has so far, then filled as the owner writes), or with null when Redis holds nothing of it, nor does within
     * {@link RemoteStream#CATCH_UP} (its first event may be on its way); fails when Redis cannot be read. Followers of
     * one id share one {@link RemoteStream} while it is followed.
     */
    public CompletionStage<RemoteStream> follow(String id) {
        RemoteStream[] made = new RemoteStream[1];
        RemoteStream s = followed.computeIfAbsent(id, k -> made[0] = new RemoteStream(k, this));
        if (s == made[0]) {
            s.mark(); // before the first read, on the same connection: every flush after that read notices this node
            s.fetch();
        }
        return s.found();
    }

    /**
     * The first line of the notices node {@code node} publishes: {@code "@<node>"}. It holds no space, so a node of
     * an earlier release, which knows no such line, takes it for a line of another format and skips it.
     */
    static String header(String node) {
        return "@" + node;
    }

    private boolean fromHere(byte[] m) {
        return m.length >= ownNotices.length && Arrays.equals(m, 0, ownNotices.length, ownNotices, 0,
                ownNotices.length);
    }

    /** True once the subscription took effect: from then on, notices come (Lettuce renews it after a reconnect). */
    public boolean subscribed() {
        return subscribed;
    }

    /** The number of streams followed now (not terminated, not released). */
    public int following() {
        return followed.size();
    }

    /** The number of polls so far: the round a notice is heard in. */
    long polls() {
        return polls;
    }

    /** The streams followed now. */
    Collection<RemoteStream> followed() {
        return followed.values();
    }

    void forget(RemoteStream s) {
        followed.remove(s.id(), s);
    }

    /**
     * An owner's flush: its node's line ({@link #header}), then per stream it wrote a line {@code "<id> <top>"}, then,
     * when the notice carries them, the last of its events up to seq {@code top}, one JSON per line. Each stream this
     * node follows takes them ({@link RemoteStream#noticed}); the lines of the others are skipped.
     */
    private void notice(byte[] m) {
        for (int at = 0; at < m.length; ) {
            int lineEnd = lineEnd(m, at);
            if (m[at] == '@') { // the node that wrote
                at = lineEnd + 1;
                continue;
            }
            int events = Math.min(lineEnd + 1, m.length);
            int eventsEnd = events;
            while (eventsEnd < m.length && m[eventsEnd] == '{') {
                eventsEnd = Math.min(lineEnd(m, eventsEnd) + 1, m.length);
            }
            try {
                noticed(m, at, lineEnd, events, eventsEnd);
            } catch (RuntimeException e) { // one stream's trouble must not cost the others their events
                LOG.log(Level.ERROR, "Taking a notice from Redis failed", e);
            }
            at = eventsEnd;
        }
    }

    /** The stream named by line {@code m[from, to)}, with its events in {@code m[events, eventsEnd)}. */
    private void noticed(byte[] m, int from, int to, int events, int eventsEnd) {
        int space = to - 1;
        while (space > from && m[space] != ' ') {
            space--;
        }
        if (space <= from || space == to - 1) {
            return; // not a notice of this format: ignored, the poll reads the stream anyway
        }
        RemoteStream s = followed.get(new String(m, from, space - from, StandardCharsets.ISO_8859_1));
        if (s == null) {
            return;
        }
        int top = 0;
        for (int i = space + 1; i < to; i++) {
            int digit = m[i] - '0';
            if (digit < 0 || digit > 9 || top > (Integer.MAX_VALUE - digit) / 10) {
                return;
            }
            top = top * 10 + digit;
        }
        s.noticed(top, m, events, eventsEnd);
    }

    /** Where the line that begins at {@code from} ends: its line break, or the end of {@code m}. */
    static int lineEnd(byte[] m, int from) {
        for (int i = from; i < m.length; i++) {
            if (m[i] == '\n') {
                return i;
            }
        }
        return m.length;
    }

    /**
     * Reads the followed streams that heard nothing since the last poll (a notice lost, the subscription down, a
     * stream that paused): one that had a notice meanwhile reads on its own when the next one shows a gap, so at
     * 20 tokens a second a followed stream costs the poll nothing.
     */
    private void pollAll() {
        long round = ++polls;
        boolean mark = round % markEvery == 0;
        for (RemoteStream s : followed.values()) {
            try {
                if (mark) {
                    s.mark();
                }
                if (s.heardIn() < round - 1) {
                    s.fetch();
                }
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
        StatefulRedisPubSubConnection<byte[], byte[]> c = subscription;
        if (c != null) {
            c.close();
        }
        followed.clear();
    }
}
