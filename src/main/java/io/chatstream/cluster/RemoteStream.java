package io.chatstream.cluster;

import io.chatstream.stream.MemoryEventLog;
import io.chatstream.stream.Readers;
import io.chatstream.stream.StreamReader;
import io.chatstream.stream.StreamSource;
import io.chatstream.wire.ByteSink;
import io.chatstream.wire.Framing;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A stream another node runs, as the readers on this node see it: a {@link MemoryEventLog} filled from Redis. Each
 * {@link #fetch()} is one round trip, {@code XRANGE chat:{id}:events 0-<next seq> + COUNT 256} and
 * {@code HGET chat:{id}:meta end} pipelined, whose answer is appended in order and wakes the attached readers; the
 * stream is terminated once it holds every event up to the end marker. {@link RemoteStreams} calls {@link #fetch()}
 * when the owner publishes a flush and on its slow safety poll; nothing here waits or holds a thread.
 *
 * <p>One fetch at a time: a fetch asked for while one is in flight runs again when that one completes, so no notice
 * is lost and none costs more than one more round trip.
 */
public final class RemoteStream implements StreamSource {

    /** Entries per fetch: a long reply read from its start comes in a few round trips, none of them huge. */
    static final int BATCH = 256;

    private final String id;
    private final byte[] idBytes;
    private final String eventsKey;
    private final String metaKey;
    private final RemoteStreams streams;
    private final MemoryEventLog log = new MemoryEventLog();
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean fetching = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    /** Completes after the first fetch: with this, or with null when Redis knows no such stream. */
    private final CompletableFuture<RemoteStream> found = new CompletableFuture<>();
    private final Readers readers = new Readers();
    private volatile boolean terminated;
    private volatile boolean released;

    RemoteStream(String id, RemoteStreams streams) {
        this.id = id;
        this.idBytes = id.getBytes(StandardCharsets.US_ASCII);
        this.eventsKey = StreamKeys.events(id);
        this.metaKey = StreamKeys.meta(id);
        this.streams = streams;
    }

    CompletionStage<RemoteStream> found() {
        return found;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int lastSeq() {
        return log.size();
    }

    @Override
    public boolean isTerminated() {
        return terminated;
    }

    @Override
    public void frame(int seq, Framing framing, ByteSink out) {
        log.frame(seq, framing, idBytes, out);
    }

    @Override
    public long bytesAfter(int seq) {
        return log.bytesAfter(seq);
    }

    /** A copy of event {@code seq}'s JSON. */
    public byte[] json(int seq) {
        return log.json(seq);
    }

    @Override
    public boolean attach(StreamReader reader) {
        lock.lock();
        try {
            if (released) {
                return false;
            }
            readers.add(reader);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Detaches a reader; with none left the stream is no longer followed (a later reader follows it anew). */
    @Override
    public void detach(StreamReader reader) {
        boolean last;
        lock.lock();
        try {
            if (!readers.remove(reader)) {
                return;
            }
            last = readers.isEmpty();
        } finally {
            lock.unlock();
        }
        if (last) {
            release();
        }
    }

    /** Stops following: takes no more readers and fetches no more. */
    public void release() {
        lock.lock();
        try {
            released = true;
        } finally {
            lock.unlock();
        }
        streams.forget(this);
        found.complete(null);
    }

    /** Reads what Redis has after {@link #lastSeq()}, unless a fetch is in flight (it will run once more). */
    void fetch() {
        if (released || terminated) {
            return;
        }
        again.set(true);
        if (!fetching.compareAndSet(false, true)) {
            return;
        }
        again.set(false);
        RedisAsyncCommands<String, String> c = streams.redis.async();
        if (c == null) {
            fetched(null, null, new IllegalStateException("not connected yet"));
            return;
        }
        try {
            CompletableFuture<List<StreamMessage<String, String>>> range = c.xrange(eventsKey,
                    Range.create(StreamKeys.entryId(log.size() + 1), "+"), Limit.from(BATCH)).toCompletableFuture();
            CompletableFuture<String> end = c.hget(metaKey, StreamKeys.END).toCompletableFuture();
            range.thenCombine(end, Fetched::new).whenCompleteAsync((r, t) -> fetched(
                    r == null ? null : r.entries(), r == null ? null : r.end(), t), streams.scheduler);
        } catch (RuntimeException e) {
            fetched(null, null, e);
        }
    }

    /** The answers of one fetch: the entries after the last seq here, and the end marker or null. */
    private record Fetched(List<StreamMessage<String, String>> entries, String end) {
    }

    private void fetched(List<StreamMessage<String, String>> entries, String end, Throwable failure) {
        if (failure != null) {
            streams.redis.failed(RedisConnection.rootMessage(failure));
            fetching.set(false);
            if (found.completeExceptionally(failure)) {
                release(); // the first read failed: the next follower of this id tries anew
            }
            return; // else the safety poll tries again
        }
        streams.redis.answered();
        if (entries.isEmpty() && end == null && log.size() == 0) { // no such stream (yet): not followed
            fetching.set(false);
            release();
            return;
        }
        boolean more = false;
        for (StreamMessage<String, String> e : entries) {
            int seq = StreamKeys.seq(e.getId());
            String json = e.getBody().get(StreamKeys.FIELD);
            if (seq <= log.size()) {
                continue;
            }
            if (seq != log.size() + 1 || json == null) {
                break; // only while the owner writes a lost key again from seq 1: the next fetch reads on
            }
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            log.append(bytes, 0, bytes.length);
            more = true;
        }
        int last = end == null ? -1 : parse(end);
        if (last >= 0 && log.size() >= last) {
            terminated = true;
            streams.forget(this);
        }
        found.complete(this);
        if (more || terminated) {
            readers.wakeAll();
        }
        fetching.set(false);
        if (entries.size() == BATCH || again.get()) {
            fetch();
        }
    }

    private static int parse(String n) {
        try {
            return Integer.parseInt(n);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
