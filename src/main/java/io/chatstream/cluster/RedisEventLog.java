package io.chatstream.cluster;

import io.chatstream.stream.EventLog;
import io.chatstream.stream.MemoryEventLog;
import io.chatstream.wire.ByteSink;
import io.chatstream.wire.Framing;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The log of a stream this node runs, kept in memory for the readers here and written to Redis for the readers on
 * other nodes ({@link RemoteStream}). {@link #append} only copies the event into the {@link MemoryEventLog} it
 * wraps and marks the log due; {@link RedisEventLogs}' tick then sends every unwritten event (up to {@link #BATCH})
 * in one command, a script ({@link #APPEND}) that runs {@code XADD chat:{id}:events 0-<seq> j <json>} per event and
 * {@code PUBLISH chat:streams "<id> <lastSeq>"}: one round trip per flush, not one per token.
 *
 * <p>The entry ids are the seqs, and the script skips those Redis has, so a write that the client gave up on (a
 * timeout) but Redis ran is not written twice; being one script, a write runs whole or not at all, so the key never
 * has a gap. When Redis is away the events stay in memory and the write is tried again every {@link #RETRY} from
 * the first seq not known to be written; when it comes back, each is written once. When Redis came back without the
 * key (a restart without persistence), the script answers that it holds nothing and the whole log is written again
 * from seq 1.
 *
 * <p>An outage is waited out for {@code chat.cluster.outage-seconds} ({@link RedisConnection#whenOut}); then a running
 * stream with events Redis does not have, or whose write fails from then until Redis answers, is told through
 * {@link #onFailure} and ends with {@code error} / {@code internal}. That end is appended here like any event, so the
 * writes, still tried every {@link #RETRY}, take it to Redis with the end marker once Redis is back, and every reader
 * on every node sees the same end.
 *
 * <p>{@link #ended()} flushes, then sets the end marker ({@code HSET chat:{id}:meta end <lastSeq>}) and
 * {@code EXPIRE}s both keys {@code chat.stream.retain-seconds} from then. The keys need no trimming:
 * {@code ChatStream} ends a stream whose log would outgrow {@code chat.stream.max-bytes}, and Redis holds exactly
 * the events the memory log holds.
 *
 * <p>One flush at a time per log ({@link #writing}); its completion runs on the scheduler, never on the appender's
 * thread, and nothing waits for it.
 */
public final class RedisEventLog implements EventLog {

    /** The most events one write sends: after an outage, the backlog goes in writes of this many. */
    static final int BATCH = 512;
    /**
     * Appends events ARGV[5..] as seqs ARGV[1].., skipping those Redis has (an earlier write that the client gave up
     * on but Redis ran), then publishes ARGV[4]; the key's expiry is set with its first event. Answers the seq of
     * the last event Redis holds: less than ARGV[1] - 1 when events are missing (Redis lost the key), which the
     * writer then sends again from there, so the key never has a gap.
     */
    private static final RedisScript APPEND = new RedisScript(
            "local top = 0",
            "local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)",
            "if #last > 0 then top = tonumber(string.sub(last[1][1], 3)) end",
            "local first = tonumber(ARGV[1])",
            "if top < first - 1 then return top end",
            "for i = 5, #ARGV do",
            "  local seq = first + i - 5",
            "  if seq > top then redis.call('XADD', KEYS[1], '0-' .. seq, 'j', ARGV[i]) end",
            "end",
            "if first == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end",
            "redis.call('PUBLISH', ARGV[3], ARGV[4])",
            "return math.max(top, first + #ARGV - 5)");
    /**
     * Marks the end (HSET KEYS[2] end ARGV[1]) and expires both keys in ARGV[2] s, if the events key holds every
     * event up to ARGV[1]; answers the seq of the last event it holds, as {@link #APPEND} does.
     */
    private static final RedisScript END = new RedisScript(
            "local top = 0",
            "local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)",
            "if #last > 0 then top = tonumber(string.sub(last[1][1], 3)) end",
            "if top < tonumber(ARGV[1]) then return top end",
            "redis.call('HSET', KEYS[2], 'end', ARGV[1])",
            "redis.call('EXPIRE', KEYS[1], ARGV[2])",
            "redis.call('EXPIRE', KEYS[2], ARGV[2])",
            "redis.call('PUBLISH', ARGV[3], ARGV[4])",
            "return top");
    /** How soon a failed write is tried again. */
    static final Duration RETRY = Duration.ofMillis(250);

    private final String id;
    private final String eventsKey;
    private final String metaKey;
    private final RedisEventLogs logs;
    private final MemoryEventLog memory = new MemoryEventLog();
    /** Set while the log waits in {@link RedisEventLogs}' queue: one entry there however many appends. */
    private final AtomicBoolean queued = new AtomicBoolean();
    private final AtomicBoolean writing = new AtomicBoolean();
    /** Events 1..written are in Redis. Changed only by the one write in flight. */
    private volatile int written;
    private volatile boolean ended;
    private volatile boolean endWritten;
    private volatile boolean released;
    /** Completed when the end marker is written, or when the log is released (nothing more will be written). */
    private final CompletableFuture<Void> flushed = new CompletableFuture<>();
    /** Set for {@link #RETRY} after a failed write. */
    private volatile boolean backingOff;
    /** Told once when the outage bound ends the stream; null until its stream listens. */
    private volatile Consumer<String> onFailure;
    private final AtomicBoolean failed = new AtomicBoolean();

    RedisEventLog(String id, RedisEventLogs logs) {
        this.id = id;
        this.eventsKey = StreamKeys.events(id);
        this.metaKey = StreamKeys.meta(id);
        this.logs = logs;
    }

    String streamId() {
        return id;
    }

    @Override
    public int append(byte[] json, int offset, int length) {
        int seq = memory.append(json, offset, length);
        queue();
        return seq;
    }

    @Override
    public int size() {
        return memory.size();
    }

    @Override
    public byte[] json(int seq) {
        return memory.json(seq);
    }

    @Override
    public void frame(int seq, Framing framing, byte[] streamId, ByteSink out) {
        memory.frame(seq, framing, streamId, out);
    }

    @Override
    public long bytes() {
        return memory.bytes();
    }

    @Override
    public long bytesAfter(int seq) {
        return memory.bytesAfter(seq);
    }

    /** Flushes now (on the scheduler), then writes the end marker and the expiry. */
    @Override
    public void ended() {
        ended = true;
        logs.scheduler.execute(this::flush);
    }

    /** Forgotten here: whatever is not written yet will not be. */
    @Override
    public void release() {
        released = true;
        logs.closed(this);
        flushed.complete(null);
    }

    @Override
    public CompletableFuture<Void> flushed() {
        return flushed;
    }

    @Override
    public void onFailure(Consumer<String> failed) {
        this.onFailure = failed;
    }

    /**
     * Redis has been unreachable for the outage bound: a running stream with events Redis lacks is told to end (an
     * ended one keeps its end for Redis; one with nothing unwritten goes on until a write of its fails).
     */
    void outage() {
        if (ended || released || memory.size() <= written) {
            return;
        }
        Consumer<String> c = onFailure;
        if (c != null && failed.compareAndSet(false, true)) {
            c.accept(logs.redis.outageMessage());
        }
    }

    /** Events appended here and not yet in Redis. */
    int unwritten() {
        return released ? 0 : Math.max(0, memory.size() - written);
    }

    /** The seq of the last event Redis holds, as far as this node knows. */
    public int written() {
        return written;
    }

    /** True once the end marker and the expiry are set. */
    public boolean endWritten() {
        return endWritten;
    }

    private void queue() {
        if (!released && !backingOff && queued.compareAndSet(false, true)) {
            logs.due(this);
        }
    }

    private boolean pending() {
        return !released && (memory.size() > written || (ended && !endWritten));
    }

    /** Sends what is unwritten, unless a write is in flight (its completion looks again). */
    void flush() {
        queued.set(false);
        if (!pending() || !writing.compareAndSet(false, true)) {
            return;
        }
        RedisAsyncCommands<String, String> c = logs.redis.async();
        if (c == null) {
            done(new IllegalStateException("not connected yet"));
            return;
        }
        int from = written + 1;
        int to = memory.size();
        try {
            if (to >= from) {
                writeEvents(c, from, to);
            } else {
                writeEnd(c, to);
            }
        } catch (RuntimeException e) { // Lettuce refuses some commands by throwing rather than failing the future
            done(e);
        }
    }

    private void writeEvents(RedisAsyncCommands<String, String> c, int from, int to) {
        to = Math.min(to, from + BATCH - 1);
        String[] args = new String[4 + to - from + 1];
        args[0] = Integer.toString(from);
        args[1] = Long.toString(logs.liveExpiry.toSeconds());
        args[2] = StreamKeys.CHANNEL;
        args[3] = StreamKeys.notice(id, to);
        for (int seq = from; seq <= to; seq++) {
            args[4 + seq - from] = new String(memory.json(seq), StandardCharsets.UTF_8);
        }
        APPEND.integer(c, new String[] {eventsKey}, args)
                .whenCompleteAsync((top, t) -> written(top, t), logs.scheduler);
    }

    private void writeEnd(RedisAsyncCommands<String, String> c, int last) {
        END.integer(c, new String[] {eventsKey, metaKey}, Integer.toString(last),
                        Long.toString(logs.retain.toSeconds()), StreamKeys.CHANNEL, StreamKeys.notice(id, last))
                .whenCompleteAsync((top, t) -> {
                    if (t == null && top == last) {
                        endWritten = true;
                        logs.closed(this);
                        flushed.complete(null);
                    }
                    written(top, t);
                }, logs.scheduler);
    }

    /** Redis answered with its last seq (or not at all): the next write starts after it. */
    private void written(Long top, Throwable failure) {
        if (failure == null) {
            written = top.intValue();
        }
        done(failure);
    }

    /** A write finished: on failure it is tried again after {@link #RETRY}, else what came meanwhile is queued. */
    private void done(Throwable failure) {
        writing.set(false);
        if (failure != null) {
            logs.redis.failed(RedisConnection.rootMessage(failure));
            backingOff = true; // the appends meanwhile do not bring the retry forward
            logs.scheduler.schedule(() -> {
                backingOff = false;
                queue();
            }, RETRY.toNanos(), TimeUnit.NANOSECONDS);
            if (logs.redis.isOut()) {
                outage();
            }
            return;
        }
        logs.redis.answered();
        if (pending()) {
            queue();
        }
    }
}
