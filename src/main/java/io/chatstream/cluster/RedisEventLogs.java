package io.chatstream.cluster;

import io.chatstream.stream.EventLogs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The logs of the streams this node runs, written to Redis: makes each new stream's {@link RedisEventLog} and flushes
 * the ones with unwritten events every {@link #TICK} on the shared scheduler. A tick costs nothing when no stream
 * appended; otherwise it sends what every due stream appended meanwhile in one command ({@link #FLUSH}, up to
 * {@link #CALL_EVENTS} events; a backlog after an outage in several), with one notice for them all. At 1,000 streams of
 * 20 tokens a second that is 100 commands and notices a second, not 20,000: the cost of a command (in Lettuce, the
 * network and Redis) and of a notice on every node is paid per tick, not per token. The tick is well under a token's
 * interval, so a stream has about one event per tick; 10 ms rather than 5 halves the round trips and wake-ups per
 * second (each a few system calls in every process) for 5 ms more on a remote reader's view. The notice names only the
 * streams another node follows (most streams are read where they run, and cost no notice), and carries their events (up
 * to {@link #NOTICE_BYTES}), so the nodes that follow them need not read them.
 *
 * <p>One script for many streams' keys needs a standalone Redis (or one primary); on a Redis Cluster, whose keys
 * of different streams live in different slots, the calls would have to be made per slot.
 *
 * <p>Everything goes through the node's one {@link RedisConnection}; nothing waits for Redis: writes are Lettuce
 * futures whose completion runs on the scheduler. An outage longer than {@code chat.cluster.outage-seconds} ends the
 * running streams whose events cannot be written ({@link RedisEventLog#outage()}).
 */
public final class RedisEventLogs implements EventLogs, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RedisEventLogs.class.getName());
    /**
     * Writes the events of several streams: KEYS are each stream's events, meta and followed key; ARGV[1] the live
     * expiry, ARGV[2] the retain expiry, ARGV[3] the channel, ARGV[4] the most bytes of events the notice carries,
     * ARGV[5] the notice's first line ({@code "@<node>"}: the node that wrote, which skips its own notices), then per
     * stream its id, the first seq, the number n of events, the end marker's seq or -1, and the n events' JSON. For
     * each stream it skips the seqs Redis has (a write the client gave up on but Redis ran: the entries are 0-1 to
     * 0-top with no gap and none trimmed, so the key's length is its last seq) and writes nothing when Redis lacks
     * events before the first (it lost the key); sets the key's expiry with its first event, and the end marker and the
     * retain expiry once the events key holds every event up to it. Publishes one message: ARGV[5], then per stream
     * written that another node follows (its followed key exists) a line {@code "<id> <top>"}, followed, while they fit
     * in ARGV[4], by its n events' JSON, one per line, when they are the last Redis holds (JSON has no line break, and
     * begins with a brace, which no id does); nothing when no stream is followed. Answers, per stream, the seq of the
     * last event Redis holds.
     */
    private static final RedisScript FLUSH = new RedisScript(
            "local tops, notices, a, room = {}, {ARGV[5]}, 6, tonumber(ARGV[4])",
            "for k = 1, #KEYS, 3 do",
            "  local id, first, n, last = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])",
            "  local top = redis.call('XLEN', KEYS[k])",
            "  if top >= first - 1 then",
            "    for i = 1, n do",
            "      local seq = first + i - 1",
            "      if seq > top then redis.call('XADD', KEYS[k], '0-' .. seq, 'j', ARGV[a + 3 + i]) end",
            "    end",
            "    if first == 1 and n > 0 then redis.call('EXPIRE', KEYS[k], ARGV[1]) end",
            "    top = math.max(top, first + n - 1)",
            "    if last >= 0 and top >= last then",
            "      redis.call('HSET', KEYS[k + 1], 'end', last)",
            "      redis.call('EXPIRE', KEYS[k], ARGV[2])",
            "      redis.call('EXPIRE', KEYS[k + 1], ARGV[2])",
            "    end",
            "    local followed = redis.call('EXISTS', KEYS[k + 2]) == 1",
            "    if followed then notices[#notices + 1] = id .. ' ' .. top end",
            "    if followed and n > 0 and top == first + n - 1 then",
            "      local size = 0",
            "      for i = 1, n do size = size + #ARGV[a + 3 + i] + 1 end",
            "      if size <= room then",
            "        room = room - size",
            "        for i = 1, n do notices[#notices + 1] = ARGV[a + 3 + i] end",
            "      end",
            "    end",
            "  end",
            "  tops[#tops + 1] = top",
            "  a = a + 4 + n",
            "end",
            "if #notices > 1 then redis.call('PUBLISH', ARGV[3], table.concat(notices, '\\n')) end",
            "return tops");
    /** The most events one {@link #FLUSH} call carries: a tick with more sends several calls, pipelined. */
    static final int CALL_EVENTS = 1024;
    /** The most streams one {@link #FLUSH} call carries. */
    static final int CALL_STREAMS = 256;
    /**
     * The most bytes of events one notice carries: the followers take them from it, with no read of their own; the
     * events of streams past it are announced only, and read ({@link RemoteStream}). It bounds what a slow
     * subscriber's buffer in Redis grows by per tick.
     */
    static final int NOTICE_BYTES = 64 * 1024;
    /** How often appended events are sent: a reader on another node sees a token this much later, at most. */
    static final Duration TICK = Duration.ofMillis(10);

    final RedisConnection redis;
    final ScheduledExecutorService scheduler;
    /** The first line of this node's notices: {@link RemoteStreams#header}. */
    private final String header;
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
     * @param node        this node's id: its notices say so, and its own {@link RemoteStreams} skips them
     * @param retain      {@code chat.stream.retain-seconds}
     * @param maxDuration {@code chat.stream.max-duration-seconds}
     */
    public RedisEventLogs(RedisConnection redis, String node, ScheduledExecutorService scheduler, Duration retain,
                          Duration maxDuration) {
        this.redis = redis;
        this.header = RemoteStreams.header(node);
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
        List<RedisEventLog.Write> call = new ArrayList<>();
        int events = 0;
        for (int n = due.size(); n > 0; n--) { // what is queued meanwhile waits for the next tick
            RedisEventLog log = due.poll();
            if (log == null) {
                break;
            }
            try {
                RedisEventLog.Write w = log.take(CALL_EVENTS - events);
                if (w == null) {
                    continue;
                }
                call.add(w);
                events += w.events();
                if (events >= CALL_EVENTS || call.size() >= CALL_STREAMS) {
                    send(call);
                    call = new ArrayList<>();
                    events = 0;
                }
            } catch (RuntimeException e) { // a periodic task that throws is never run again: keep the others going
                LOG.log(System.Logger.Level.ERROR, "Flushing the events of stream " + log.streamId() + " failed", e);
            }
        }
        if (!call.isEmpty()) {
            send(call);
        }
    }

    /** Sends one {@link #FLUSH} call for {@code writes}; its answer (or failure) goes to each log on the scheduler. */
    private void send(List<RedisEventLog.Write> writes) {
        String[] keys = new String[writes.size() * 3];
        for (int i = 0; i < writes.size(); i++) {
            keys[3 * i] = writes.get(i).eventsKey();
            keys[3 * i + 1] = writes.get(i).metaKey();
            keys[3 * i + 2] = writes.get(i).followedKey();
        }
        FLUSH.multi(redis.async(), keys, a -> {
            a.add(liveExpiry.toSeconds()).add(retain.toSeconds()).add(StreamKeys.CHANNEL).add(NOTICE_BYTES)
                    .add(header);
            for (RedisEventLog.Write w : writes) {
                a.add(w.streamId()).add(w.from()).add(w.events()).add(w.end());
                for (int seq = w.from(); seq <= w.to(); seq++) {
                    a.add(w.json(seq));
                }
            }
        }).whenCompleteAsync((tops, t) -> answered(writes, tops, t), scheduler);
    }

    private void answered(List<RedisEventLog.Write> writes, List<Object> tops, Throwable failure) {
        if (failure == null && tops.size() != writes.size()) {
            failure = new IllegalStateException("the flush script answered " + tops.size() + " seqs for "
                    + writes.size() + " streams");
        }
        if (failure != null) {
            redis.failed(RedisConnection.rootMessage(failure));
        } else {
            redis.answered();
        }
        for (int i = 0; i < writes.size(); i++) {
            RedisEventLog.Write w = writes.get(i);
            w.log().written(w, failure == null ? ((Number) tops.get(i)).longValue() : 0, failure);
        }
    }

    /** Stops the tick; the logs' unwritten events stay unwritten. The connection is closed by its owner. */
    @Override
    public void close() {
        tick.cancel(false);
        due.clear();
    }
}
