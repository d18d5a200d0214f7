package io.chatstream.cluster;

import io.chatstream.stream.EventLog;
import io.chatstream.stream.MemoryEventLog;
import io.chatstream.wire.ByteSink;
import io.chatstream.wire.Framing;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The log of a stream this node runs, kept in memory for the readers here and written to Redis for the readers on
 * other nodes ({@link RemoteStream}). {@link #append} only copies the event into the {@link MemoryEventLog} it
 * wraps and marks the log due; {@link RedisEventLogs}' tick then sends every unwritten event as one pipeline: an
 * {@code XADD chat:{id}:events 0-<seq> j <json>} per event and a {@code PUBLISH chat:streams "<id> <lastSeq>"}.
 *
 * <p>The entry ids are the seqs, so a write is idempotent: Redis refuses an id not above the last one, which means
 * "already written". When Redis is away the events stay in memory and the flush is tried again every
 * {@link #RETRY} from the first unwritten seq; when it comes back, each is written once. When Redis came back
 * without the key (a restart without persistence), the next write finds no key ({@code NOMKSTREAM}) and the whole
 * log is written again from seq 1.
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
        if (!released && queued.compareAndSet(false, true)) {
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
        List<CompletableFuture<String>> adds = new ArrayList<>(to - from + 1);
        for (int seq = from; seq <= to; seq++) {
            XAddArgs args = new XAddArgs().id(StreamKeys.entryId(seq));
            if (from > 1) {
                args.nomkstream(); // a key that is gone was lost by Redis: write all again rather than a tail
            }
            String json = new String(memory.json(seq), StandardCharsets.UTF_8);
            adds.add(c.xadd(eventsKey, args, StreamKeys.FIELD, json).toCompletableFuture());
        }
        if (from == 1) {
            c.expire(eventsKey, logs.liveExpiry);
        }
        c.publish(StreamKeys.CHANNEL, StreamKeys.notice(id, to));
        CompletableFuture.allOf(adds.toArray(CompletableFuture[]::new))
                .whenCompleteAsync((v, t) -> written(adds, from), logs.scheduler);
    }

    /** Takes the answers of {@link #writeEvents} in order: written up to the first that failed. */
    private void written(List<CompletableFuture<String>> adds, int from) {
        int seq = from - 1;
        Throwable failure = null;
        for (CompletableFuture<String> add : adds) {
            Throwable t = failure(add);
            if (t == null && add.join() == null) { // NOMKSTREAM and no key
                written = 0;
                done(null);
                return;
            }
            if (t != null && !alreadyWritten(t)) {
                failure = t;
                break;
            }
            seq++;
        }
        written = seq;
        done(failure);
    }

    private void writeEnd(RedisAsyncCommands<String, String> c, int last) {
        c.hset(metaKey, StreamKeys.END, Integer.toString(last));
        RedisFuture<Boolean> events = c.expire(eventsKey, logs.retain);
        RedisFuture<Boolean> meta = c.expire(metaKey, logs.retain);
        c.publish(StreamKeys.CHANNEL, StreamKeys.notice(id, last));
        meta.toCompletableFuture().thenCombine(events, (m, e) -> e).whenCompleteAsync((eventsThere, t) -> {
            if (t == null && !eventsThere) { // lost since the last write: write everything again, then the end
                written = 0;
            } else if (t == null) {
                endWritten = true;
            }
            done(t);
        }, logs.scheduler);
    }

    /** A write finished: on failure it is tried again after {@link #RETRY}, else what came meanwhile is queued. */
    private void done(Throwable failure) {
        writing.set(false);
        if (failure != null) {
            logs.redis.failed(RedisConnection.rootMessage(failure));
            logs.scheduler.schedule(this::queue, RETRY.toNanos(), TimeUnit.NANOSECONDS);
            return;
        }
        logs.redis.answered();
        if (pending()) {
            queue();
        }
    }

    /** The failure of a completed future, or null. */
    private static Throwable failure(CompletableFuture<?> f) {
        Throwable t = f.handle((v, e) -> e).join();
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** Redis' answer to an entry id not above the stream's last: this event was written before. */
    private static boolean alreadyWritten(Throwable t) {
        String m = t.getMessage();
        return m != null && m.contains("equal or smaller than the target stream top item");
    }
}
