package io.chatstream.cluster;

import io.chatstream.stream.EventLog;
import io.chatstream.stream.MemoryEventLog;
import io.chatstream.wire.ByteSink;
import io.chatstream.wire.Framing;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The log of a stream this node runs, kept in memory for the readers here and written to Redis for the readers on
 * other nodes ({@link RemoteStream}). {@link #append} only copies the event into the {@link MemoryEventLog} it
 * wraps and marks the log due; {@link RedisEventLogs}' tick then takes every unwritten event (up to {@link #BATCH})
 * of every due log ({@link #take}) and sends them all in one command, a script that {@code XADD}s each event as
 * {@code chat:{id}:events 0-<seq> j <json>}, sets the end marker of the logs that ended and publishes one notice
 * for all: one round trip per tick, not one per token nor one per stream.
 *
 * <p>The entry ids are the seqs, and the script skips those Redis has, so a write that the client gave up on (a
 * timeout) but Redis ran is not written twice; the events of a log go in seq order, so the key never has a gap.
 * When Redis is away the events stay in memory and the write is tried again every {@link #RETRY} from the first seq
 * not known to be written; when it comes back, each is written once. When Redis came back without the key (a
 * restart without persistence), the script answers that it holds nothing and the whole log is written again from
 * seq 1.
 *
 * <p>An outage is waited out for {@code chat.cluster.outage-seconds} ({@link RedisConnection#whenOut}); then a running
 * stream with events Redis does not have, or whose write fails from then until Redis answers, is told through
 * {@link #onFailure} and ends with {@code error} / {@code internal}. That end is appended here like any event, so the
 * writes, still tried every {@link #RETRY}, take it to Redis with the end marker once Redis is back, and every reader
 * on every node sees the same end.
 *
 * <p>Once the stream {@link #ended()}, the write that holds its last event (or the next) also sets the end marker
 * ({@code HSET chat:{id}:meta end <lastSeq>}) and {@code EXPIRE}s both keys {@code chat.stream.retain-seconds} from
 * then. The keys need no trimming: {@code ChatStream} ends a stream whose log would outgrow
 * {@code chat.stream.max-bytes}, and Redis holds exactly the events the memory log holds.
 *
 * <p>One write at a time per log ({@link #writing}); its completion runs on the scheduler, never on the appender's
 * thread, and nothing waits for it.
 */
public final class RedisEventLog implements EventLog {

    /** The most events one write of a log sends: after an outage, the backlog goes in writes of this many. */
    static final int BATCH = 512;
    /** How soon a failed write is tried again. */
    static final Duration RETRY = Duration.ofMillis(250);

    private final String id;
    private final String eventsKey;
    private final String metaKey;
    private final String followedKey;
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
        this.followedKey = StreamKeys.followed(id);
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

    /** The next tick writes what is unwritten with the end marker and the expiry. */
    @Override
    public void ended() {
        ended = true;
        queue();
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

    /**
     * What one write of a log sends: events {@code from..to} (none when {@code to < from}), and the end marker
     * {@code end} once they are in, or -1.
     */
    record Write(RedisEventLog log, int from, int to, int end) {

        int events() {
            return Math.max(0, to - from + 1);
        }

        String streamId() {
            return log.id;
        }

        String eventsKey() {
            return log.eventsKey;
        }

        String metaKey() {
            return log.metaKey;
        }

        String followedKey() {
            return log.followedKey;
        }

        /** A copy of event {@code seq}'s JSON. */
        byte[] json(int seq) {
            return log.memory.json(seq);
        }
    }

    /**
     * Takes this log's next write, at most {@code max} events: null when nothing is unwritten or a write is in
     * flight (its completion queues the log again). The caller sends it and then calls {@link #written}.
     */
    Write take(int max) {
        queued.set(false);
        if (!pending() || !writing.compareAndSet(false, true)) {
            return null;
        }
        boolean end = ended; // read before the size: once ended, the size counts the last event
        int size = memory.size();
        int from = written + 1;
        int to = Math.min(size, from + Math.min(max, BATCH) - 1);
        return new Write(this, from, to, end && to == size ? size : -1);
    }

    /**
     * Redis answered a write with the seq of the last event it holds ({@code failure} null), or not at all: the
     * next write starts after it; the end marker was set if {@code top} reached it.
     */
    void written(Write w, long top, Throwable failure) {
        if (failure == null) {
            written = (int) top;
            if (w.end() >= 0 && top >= w.end()) {
                endWritten = true;
                logs.closed(this);
                flushed.complete(null);
            }
        }
        writing.set(false);
        if (failure != null) {
            backingOff = true; // the appends meanwhile do not bring the retry forward
            logs.scheduler.schedule(() -> {
                backingOff = false;
                queue();
            }, RETRY.toNanos(), TimeUnit.NANOSECONDS);
            if (logs.redis.isOut()) {
                outage();
            }
        } else if (pending()) {
            queue();
        }
    }
}
