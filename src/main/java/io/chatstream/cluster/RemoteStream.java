package io.chatstream.cluster;

import io.chatstream.event.ChatEvent;
import io.chatstream.event.ErrorCode;
import io.chatstream.stream.MemoryEventLog;
import io.chatstream.stream.Readers;
import io.chatstream.stream.StreamReader;
import io.chatstream.stream.StreamSource;
import io.chatstream.wire.ByteSink;
import io.chatstream.wire.EventJson;
import io.chatstream.wire.Framing;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A stream another node runs, as the readers on this node see it: a {@link MemoryEventLog} filled from Redis. Each
 * {@link #fetch()} is one command, {@code XRANGE chat:{id}:events 0-<next seq> + COUNT 256}, whose answer is appended
 * in order and wakes the attached readers; the stream is terminated once it holds its terminal event ({@code end} or
 * {@code error}, the last a stream has: the owner sets its end marker when that event is in Redis, so reading the
 * event tells as much as the marker, without a second command per read). {@link RemoteStreams} calls {@link #fetch()}
 * when the owner publishes a flush and on its slow safety poll; nothing here waits or holds a thread.
 *
 * <p>One fetch at a time: a fetch asked for while one is in flight runs again when that one completes, so no notice
 * is lost and none costs more than one more round trip.
 *
 * <p>The view here runs behind the owner's, which delivers from memory before its next flush: a client that read
 * seq N on the owner and resumes here at once may find fewer. {@link #reach} lets such a request wait, without a
 * thread, up to {@link #CATCH_UP} for seq N to come (or the end), before it is judged; and a stream whose first event
 * is not in Redis yet is waited for as long before it counts as unknown.
 *
 * <p>When Redis cannot be read for {@code chat.cluster.outage-seconds} ({@link RedisConnection#whenOut}), the stream
 * ends here with {@code error} / {@code internal} after the last event read, as the owner ends its own; that end is
 * this node's alone (Redis is away), so its seq may differ from the owner's, which Redis gets once it is back.
 */
public final class RemoteStream implements StreamSource {

    /** Entries per fetch: a long reply read from its start comes in a few round trips, none of them huge. */
    static final int BATCH = 256;
    private static final byte[] END_EVENT = "{\"type\":\"end\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR_EVENT = "{\"type\":\"error\"".getBytes(StandardCharsets.US_ASCII);
    /**
     * The longest a request waits for this view to reach the seq it names: far above the owner's flush interval and
     * a round trip, so only a seq the stream never sent (or Redis away) takes that long.
     */
    static final Duration CATCH_UP = Duration.ofSeconds(2);

    private final String id;
    private final byte[] idBytes;
    private final String eventsKey;
    private final String followedKey;
    private final RemoteStreams streams;
    private final MemoryEventLog log = new MemoryEventLog();
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean fetching = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    /** Set once a read found nothing of the stream in Redis: {@link #awaitFirst}. */
    private final AtomicBoolean awaitingFirst = new AtomicBoolean();
    /** Completes after the first event is read: with this; with null when Redis holds nothing of the stream. */
    private final CompletableFuture<RemoteStream> found = new CompletableFuture<>();
    private final Readers readers = new Readers();
    /** Requests waiting in {@link #reach}; each keeps the stream followed, as a reader does. Added under the lock. */
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
    private volatile boolean terminated;
    private volatile boolean released;
    /** Redis was away for the outage bound: the stream ends here at the next chance ({@link #endCutOff}). */
    private volatile boolean cutOff;
    /** The poll round ({@link RemoteStreams#polls()}) of the last notice of this stream. */
    private volatile long heardIn = -1;

    RemoteStream(String id, RemoteStreams streams) {
        this.id = id;
        this.idBytes = id.getBytes(StandardCharsets.US_ASCII);
        this.eventsKey = StreamKeys.events(id);
        this.followedKey = StreamKeys.followed(id);
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
            last = readers.isEmpty() && waiters.isEmpty();
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
        wakeWaiters();
    }

    /**
     * Completes once the view here holds event {@code seq}, the stream has ended or is no longer followed, or after
     * {@link #CATCH_UP}, on the scheduler; meanwhile the stream stays followed.
     */
    @Override
    public CompletionStage<Void> reach(int seq) {
        if (log.size() >= seq || terminated) {
            return CompletableFuture.completedFuture(null);
        }
        Waiter w = new Waiter(seq, new CompletableFuture<>());
        lock.lock();
        try {
            if (released) {
                return CompletableFuture.completedFuture(null);
            }
            waiters.add(w);
        } finally {
            lock.unlock();
        }
        ScheduledFuture<?> bound;
        try {
            bound = streams.scheduler.schedule(() -> reached(w), CATCH_UP.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) { // the webapp stops: judged now, with what is here
            reached(w);
            return w.future();
        }
        w.future().whenComplete((v, t) -> bound.cancel(false));
        if (log.size() >= seq || terminated) { // it came while the waiter was added
            reached(w);
        } else {
            fetch(); // the notice that brings it may be in flight; this costs one round trip at most
        }
        return w.future();
    }

    /** A request waiting for seq {@code seq}: completed when it is here, or after {@link #CATCH_UP}. */
    private record Waiter(int seq, CompletableFuture<Void> future) {
    }

    private void reached(Waiter w) {
        waiters.remove(w);
        w.future().complete(null);
    }

    /** Completes the waiters whose seq is here; every one once the stream has ended or is no longer followed. */
    private void wakeWaiters() {
        if (waiters.isEmpty()) {
            return;
        }
        boolean all = terminated || released;
        for (Waiter w : waiters) {
            if (all || log.size() >= w.seq()) {
                reached(w);
            }
        }
    }

    /**
     * Redis could not be read for the outage bound: ends the stream here with {@code error} / {@code internal} after
     * the last event read, now or when the fetch in flight fails.
     */
    void cutOff() {
        cutOff = true;
        if (fetching.compareAndSet(false, true)) {
            endCutOff();
            fetching.set(false);
        }
    }

    /** Appends the outage's end and terminates; the caller holds {@link #fetching}, the one appender's right. */
    private void endCutOff() {
        if (terminated || released || !found.isDone()) {
            return;
        }
        byte[] json = EventJson.encode(new ChatEvent.Error(ErrorCode.INTERNAL, streams.redis.outageMessage()));
        log.append(json, 0, json.length);
        terminated = true;
        streams.forget(this);
        readers.wakeAll();
        wakeWaiters();
    }

    /** The poll round of the last notice of this stream: the poll skips a stream that had one since it last ran. */
    long heardIn() {
        return heardIn;
    }

    /**
     * Marks the stream as followed by a node ({@link StreamKeys#followed}, for {@link RemoteStreams#FOLLOW_MARK}), so
     * its owner's flushes notice it. A failure is the next read's to report.
     */
    void mark() {
        RedisAsyncCommands<String, String> c = streams.redis.async();
        if (c == null) {
            return;
        }
        try {
            c.set(followedKey, "1", SetArgs.Builder.px(RemoteStreams.FOLLOW_MARK.toMillis()));
        } catch (RuntimeException e) {
            // the connection is down: the poll marks it again
        }
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
            fetched(null, new IllegalStateException("not connected yet"));
            return;
        }
        try {
            c.xrange(eventsKey, Range.create(StreamKeys.entryId(log.size() + 1), "+"), Limit.from(BATCH))
                    .whenCompleteAsync(this::fetched, streams.scheduler);
        } catch (RuntimeException e) {
            fetched(null, e);
        }
    }

    private void fetched(List<StreamMessage<String, String>> entries, Throwable failure) {
        if (failure != null) {
            streams.redis.failed(RedisConnection.rootMessage(failure));
            if (found.completeExceptionally(failure)) {
                fetching.set(false);
                release(); // the first read failed: the next follower of this id tries anew
                return;
            }
            if (cutOff || streams.redis.isOut()) {
                endCutOff();
            }
            fetching.set(false);
            return; // else the safety poll tries again
        }
        if (cutOff) {
            cutOff = false; // Redis answered: the outage is over before it ended the stream
        }
        streams.redis.answered();
        if (entries.isEmpty() && log.size() == 0) {
            fetching.set(false);
            awaitFirst();
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
            more = true;
            if (take(bytes, 0, bytes.length)) {
                break;
            }
        }
        found.complete(this);
        if (more || terminated) {
            readers.wakeAll();
            wakeWaiters();
        }
        fetching.set(false);
        if (entries.size() == BATCH || again.get()) {
            fetch();
        }
    }

    /**
     * A notice said Redis holds the events up to seq {@code top}, and carried the last of them, one JSON per line in
     * {@code m[from, to)} (none when the flush had no room for them). Taken at once when they follow on from the view
     * here, with no read of Redis; else (a gap, a read in flight, the first read not answered yet, nothing carried)
     * read as before.
     */
    void noticed(int top, byte[] m, int from, int to) {
        heardIn = streams.polls();
        if (released || terminated || top < log.size()) {
            return;
        }
        int carried = 0;
        for (int at = from; at < to; at = RemoteStreams.lineEnd(m, at) + 1) {
            carried++;
        }
        int first = top - carried + 1;
        if (carried == 0 || first > log.size() + 1 || !found.isDone() || !fetching.compareAndSet(false, true)) {
            if (top > log.size() || carried == 0) { // equal and nothing carried: the end marker's notice
                fetch();
            }
            return;
        }
        boolean more = false;
        try {
            int seq = first;
            for (int at = from; at < to && !terminated; seq++) {
                int end = Math.min(RemoteStreams.lineEnd(m, at), to);
                if (seq > log.size()) {
                    more = true;
                    take(m, at, end - at);
                }
                at = end + 1;
            }
            cutOff = false; // Redis answered: the outage is over before it ended the stream
        } finally {
            fetching.set(false);
        }
        if (more) {
            readers.wakeAll();
            wakeWaiters();
        }
        if (again.get()) { // asked for while these were taken
            fetch();
        }
    }

    /**
     * Appends the next event, {@code json[offset, offset + length)}; the caller holds {@link #fetching}. True when it
     * was the terminal event: the stream is then terminated and no longer followed.
     */
    private boolean take(byte[] json, int offset, int length) {
        log.append(json, offset, length);
        if (isTerminal(json, offset, length)) {
            terminated = true;
            streams.forget(this);
            return true;
        }
        return false;
    }

    /**
     * Redis holds nothing of the stream: unknown, or not written yet (its facts are registered before its first
     * event, which its owner may have delivered already). Followed for up to {@link #CATCH_UP} more, as the notices
     * and the poll read it; if nothing came by then, the stream is unknown here: {@link #found} completes with null.
     */
    private void awaitFirst() {
        if (!awaitingFirst.compareAndSet(false, true)) {
            return;
        }
        Runnable giveUp = () -> {
            if (log.size() == 0 && !terminated) {
                release();
            }
        };
        try {
            streams.scheduler.schedule(giveUp, CATCH_UP.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            giveUp.run();
        }
    }

    /** An {@code end} or {@code error} event: its JSON begins with its type ({@code EventJson} writes it first). */
    private static boolean isTerminal(byte[] json, int offset, int length) {
        return startsWith(json, offset, length, END_EVENT) || startsWith(json, offset, length, ERROR_EVENT);
    }

    private static boolean startsWith(byte[] json, int offset, int length, byte[] prefix) {
        return length >= prefix.length
                && Arrays.equals(json, offset, offset + prefix.length, prefix, 0, prefix.length);
    }
}
