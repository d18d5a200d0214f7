package io.chatstream.cluster;

import io.chatstream.stream.EventLogs;

import java.time.Duration;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The logs of the streams this node runs, written to Redis: makes each new stream's {@link RedisEventLog} and
 * flushes the ones with unwritten events every {@link #TICK} on the shared scheduler. A tick costs nothing when no
 * stream appended; a stream that appended is flushed once per tick however many events it appended meanwhile, so a
 * reply of hundreds of tokens is a few round trips to Redis, not hundreds.
 *
 * <p>Everything goes through the node's one {@link RedisConnection}; nothing waits for Redis: writes are Lettuce
 * futures whose completion runs on the scheduler. An outage longer than {@code chat.cluster.outage-seconds} ends the
 * running streams whose events cannot be written ({@link RedisEventLog#outage()}).
 */
public final class RedisEventLogs implements EventLogs, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RedisEventLogs.class.getName());
    /** How often appended events are sent: a reader on another node sees a token this much later, at most. */
    static final Duration TICK = Duration.ofMillis(5);

    final RedisConnection redis;
    final ScheduledExecutorService scheduler;
    /** {@code chat.stream.retain-seconds}: how long the keys stay after the end. */
    final Duration retain;
    /**
     * How long the keys of a running stream live: past the longest a stream runs and is kept, so that the keys of
     * a stream whose node died before its end go by themselves.
     */
    final Duration liveExpiry;
    private final Queue<RedisEventLog> due = new ConcurrentLinkedQueue<>();
    /** The logs with events or an end not yet in Redis, for {@link #lag()}. */
    private final Set<RedisEventLog> open = ConcurrentHashMap.newKeySet();
    private final ScheduledFuture<?> tick;

    /**
     * @param retain      {@code chat.stream.retain-seconds}
     * @param maxDuration {@code chat.stream.max-duration-seconds}
     */
    public RedisEventLogs(RedisConnection redis, ScheduledExecutorService scheduler, Duration retain,
                          Duration maxDuration) {
        this.redis = redis;
        this.scheduler = scheduler;
        // EXPIRE 0 would delete the events before a reader on another node read the last ones
        this.retain = retain.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : retain;
        this.liveExpiry = maxDuration.plus(this.retain).plusMinutes(1);
        long every = TICK.toNanos();
        this.tick = scheduler.scheduleWithFixedDelay(this::flushDue, every, every, TimeUnit.NANOSECONDS);
        redis.whenOut(this::outage);
    }

    /** Redis has been away for the outage bound: the running streams with events it lacks end. */
    private void outage() {
        for (RedisEventLog log : open) {
            log.outage();
        }
    }

    @Override
    public RedisEventLog create(String streamId) {
        RedisEventLog log = new RedisEventLog(streamId, this);
        open.add(log);
        return log;
    }

    /** {@code log} is all in Redis, end included, or was released: it counts no more in {@link #lag()}. */
    void closed(RedisEventLog log) {
        open.remove(log);
    }

    /** Events appended on this node and not yet in Redis: 0 while Redis keeps up, growing while it is away. */
    public long lag() {
        long n = 0;
        for (RedisEventLog log : open) {
            n += log.unwritten();
        }
        return n;
    }

    /** {@code log} has something to write: flushed at the next tick. */
    void due(RedisEventLog log) {
        due.add(log);
    }

    private void flushDue() {
        for (int n = due.size(); n > 0; n--) { // what is queued meanwhile waits for the next tick
            RedisEventLog log = due.poll();
            if (log == null) {
                return;
            }
            try {
                log.flush();
            } catch (RuntimeException e) { // a periodic task that throws is never run again: keep the others going
                LOG.log(System.Logger.Level.ERROR, "Flushing the events of stream " + log.streamId() + " failed", e);
            }
        }
    }

    /** Stops the tick; the logs' unwritten events stay unwritten. The connection is closed by its owner. */
    @Override
    public void close() {
        tick.cancel(false);
        due.clear();
    }
}
