package io.chatstream.cluster;

import io.chatstream.event.ChatEvent;
import io.chatstream.event.ErrorCode;
import io.chatstream.wire.EventJson;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ends the streams of a node that vanished (killed, crashed, cut off) for their readers on every node: every third
 * of {@code chat.cluster.lease-seconds} it asks the {@link StreamDirectory} whether the owner of each stream followed
 * here, whose log has no end yet, is gone; after two such answers in a row (one could follow a Redis
 * restart that lost the data, which the owner writes back within that time) it writes the terminal event
 * {@code error} / {@code interrupted} into the stream's shared log, after the last event there, with its end marker,
 * in one script that does nothing when an end is there already. Every follower, on any node, then reads the same
 * event with the same seq; a {@code Last-Event-ID} resume after it is a {@code 204} like any ended stream's.
 *
 * <p>A question Redis does not answer counts as no answer: an outage ends no stream.
 */
public final class OwnerWatch implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(OwnerWatch.class.getName());
    /** Answers "gone" in a row before a stream is ended. */
    private static final int GONE_ANSWERS = 2;

    /**
     * KEYS: events, meta. ARGV: event JSON, expiry s, channel, id. Appends the event after the last one and marks
     * the end; answers its seq, or -1 when the stream has an end already or no event at all.
     */
    private static final RedisScript INTERRUPT = new RedisScript(
            "if redis.call('HEXISTS', KEYS[2], 'end') == 1 then return -1 end",
            "local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)",
            "if #last == 0 then return -1 end",
            "local seq = tonumber(string.sub(last[1][1], 3)) + 1",
            "redis.call('XADD', KEYS[1], '0-' .. seq, 'j', ARGV[1])",
            "redis.call('HSET', KEYS[2], 'end', seq)",
            "redis.call('EXPIRE', KEYS[1], ARGV[2])",
            "redis.call('EXPIRE', KEYS[2], ARGV[2])",
            "redis.call('PUBLISH', ARGV[3], ARGV[4] .. ' ' .. seq)",
            "return seq");
    private static final String JSON = new String(EventJson.encode(new ChatEvent.Error(ErrorCode.INTERRUPTED,
            "The server that ran this reply went away; send the request again.")), StandardCharsets.UTF_8);

    private final RedisConnection redis;
    private final StreamDirectory directory;
    private final RemoteStreams streams;
    private final long retainSeconds;
    private final Map<String, Integer> goneAnswers = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> task;

    /**
     * Starts watching, on {@code scheduler}, every {@code every} (a third of the lease).
     *
     * @param retain {@code chat.stream.retain-seconds}: how long an interrupted stream's log stays
     */
    public OwnerWatch(RedisConnection redis, StreamDirectory directory, RemoteStreams streams,
                      ScheduledExecutorService scheduler, Duration every, Duration retain) {
        this.redis = redis;
        this.directory = directory;
        this.streams = streams;
        this.retainSeconds = Math.max(1, retain.toSeconds());
        long period = Math.max(1, every.toMillis());
        this.task = scheduler.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    private void check() {
        Set<String> followed = new HashSet<>();
        streams.followed().forEach(s -> followed.add(s.id()));
        goneAnswers.keySet().retainAll(followed);
        for (RemoteStream s : streams.followed()) {
            if (s.isTerminated()) {
                continue;
            }
            ownerGone(s.id()).whenComplete((gone, failure) -> {
                if (failure != null || !gone) {
                    goneAnswers.remove(s.id());
                } else if (goneAnswers.merge(s.id(), 1, Integer::sum) >= GONE_ANSWERS) {
                    goneAnswers.remove(s.id());
                    interrupt(s);
                }
            });
        }
    }

    /**
     * True when no node knows the stream, or its owner's lease lapsed: whatever state its facts say, since an owner
     * that stopped may have recorded the end in the facts but not in the log, whose last events were then lost.
     */
    private CompletionStage<Boolean> ownerGone(String id) {
        return directory.find(id).thenCompose(facts -> facts.isEmpty() ? CompletableFuture.completedFuture(true)
                : directory.isAlive(facts.get().owner()).thenApply(alive -> !alive));
    }

    private void interrupt(RemoteStream s) {
        RedisAsyncCommands<String, String> c = redis.async();
        if (c == null) {
            return;
        }
        INTERRUPT.integer(c, new String[] {StreamKeys.events(s.id()), StreamKeys.meta(s.id())}, JSON,
                Long.toString(retainSeconds), StreamKeys.CHANNEL, s.id()).whenComplete((seq, t) -> {
                    if (t != null) {
                        LOG.log(Level.DEBUG, () -> "Ending stream " + s.id() + " is tried again: " + t);
                        return;
                    }
                    if (seq > 0) {
                        LOG.log(Level.INFO, "Stream " + s.id() + " ended as interrupted: its node went away");
                    }
                    s.fetch();
                });
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
