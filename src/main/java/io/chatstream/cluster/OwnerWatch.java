package io.chatstream.cluster;

import io.chatstream.event.ChatEvent;
import io.chatstream.event.ErrorCode;
import io.chatstream.wire.EventJson;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ends the streams of a node that vanished (killed, crashed, cut off) for their readers on every node, within
 * {@code chat.cluster.lease-seconds} and a second of its death: every {@link #CHECK} it asks the
 * {@link StreamDirectory} whether the owner of the streams followed here, whose logs have no end yet, is alive, one
 * question per owner node, not per stream (each stream's owner is looked up once). After two "gone" answers in a row
 * it writes the terminal event {@code error} / {@code interrupted} into each such stream's shared log, after the last
 * event there, with its end marker, in one script that does nothing when an end is there already. Every follower, on
 * any node, then reads the same event with the same seq; a {@code Last-Event-ID} resume after it is a {@code 204}
 * like any ended stream's.
 *
 * <p>A Redis that restarted may have lost the leases and facts, which their owners write back within their renewal
 * period (a third of the lease): a "gone" answered within that period and a {@link #CHECK} of Redis' return (the
 * first answer after an outage, {@link RedisConnection#answeringSince}) does not count. Any other time, a lease that
 * is missing has lapsed, so no wait is needed. A question Redis does not answer counts as no answer: an outage ends
 * no stream.
 */
public final class OwnerWatch implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(OwnerWatch.class.getName());
    /** How often the owners of the followed streams are asked after: a lapsed lease is seen this much later. */
    static final Duration CHECK = Duration.ofMillis(250);
    /** Answers "gone" in a row before a stream is ended. */
    private static final int GONE_ANSWERS = 2;
    /**
     * Stands for the owner of a stream no node knows (no facts): gone, as a lapsed owner is; followed by the
     * stream's id where the streams are grouped, so that each such stream needs two answers of its own.
     */
    private static final String UNKNOWN = "\0";

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
    /** How long after Redis' return a "gone" is not believed: the owners' renewal period and a check. */
    private final long graceNanos;
    /** The owner of each followed stream, once known; {@link #UNKNOWN} when no node knows it. */
    private final Map<String, String> owners = new ConcurrentHashMap<>();
    /** Answers "gone" in a row, by owner node. */
    private final Map<String, Integer> goneAnswers = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> task;

    /**
     * Starts watching, on {@code scheduler}, every {@link #CHECK}.
     *
     * @param renewEvery how often a node renews its lease and writes back what a Redis restart lost
     * @param retain     {@code chat.stream.retain-seconds}: how long an interrupted stream's log stays
     */
    public OwnerWatch(RedisConnection redis, StreamDirectory directory, RemoteStreams streams,
                      ScheduledExecutorService scheduler, Duration renewEvery, Duration retain) {
        this.redis = redis;
        this.directory = directory;
        this.streams = streams;
        this.retainSeconds = Math.max(1, retain.toSeconds());
        this.graceNanos = renewEvery.plus(CHECK).toNanos();
        long period = CHECK.toNanos();
        this.task = scheduler.scheduleWithFixedDelay(this::check, period, period, TimeUnit.NANOSECONDS);
    }

    private void check() {
        Map<String, List<RemoteStream>> byOwner = new HashMap<>();
        Set<String> followed = new HashSet<>();
        for (RemoteStream s : streams.followed()) {
            followed.add(s.id());
            if (s.isTerminated()) {
                continue;
            }
            String owner = owners.get(s.id());
            if (owner == null || owner.equals(UNKNOWN)) {
                lookUp(s.id()); // again each time for an unknown one: its owner may write its facts back
            }
            if (owner != null) {
                String key = owner.equals(UNKNOWN) ? UNKNOWN + s.id() : owner;
                byOwner.computeIfAbsent(key, o -> new ArrayList<>()).add(s);
            }
        }
        owners.keySet().retainAll(followed);
        goneAnswers.keySet().retainAll(byOwner.keySet());
        byOwner.forEach((owner, list) -> {
            CompletionStage<Boolean> alive = owner.startsWith(UNKNOWN)
                    ? CompletableFuture.completedFuture(false) : directory.isAlive(owner);
            alive.whenComplete((yes, failure) -> {
                if (failure != null || yes || System.nanoTime() - redis.answeringSince() < graceNanos) {
                    goneAnswers.remove(owner);
                } else if (goneAnswers.merge(owner, 1, Integer::sum) >= GONE_ANSWERS) {
                    goneAnswers.remove(owner);
                    list.forEach(this::interrupt);
                }
            });
        });
    }

    /**
     * Learns which node owns the stream, for the next check; a stream no node knows is {@link #UNKNOWN} until a
     * later look finds its facts (lost by a Redis restart and written back by the owner within the grace).
     */
    private void lookUp(String id) {
        directory.find(id).whenComplete((facts, failure) -> {
            if (failure == null) {
                owners.put(id, facts.map(StreamFacts::owner).orElse(UNKNOWN));
            }
        });
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
