package io.chatstream.stream;

import io.chatstream.config.ChatConfig;
import io.chatstream.stream.StreamObserver.DetachReason;
import io.chatstream.time.Ticker;
import io.chatstream.wire.ByteSink;
import io.chatstream.wire.Framing;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Delivers one stream to one connection: frames the events after the reader's cursor (in the {@link Framing} the
 * response was given) and writes them whenever the transport is ready, so a slow socket never makes the server
 * buffer: the only backlog is the stream's own log.
 *
 * <p>All writing goes through a {@link WritePump}: exactly one thread at a time writes while every signal (a new
 * event, the socket becoming writable, a keep-alive due) is honoured; this class says what is due. Timers
 * come from the shared scheduler: one keep-alive check per {@code chat.sse.keepalive-seconds} of idleness; no thread
 * ever waits.
 *
 * <p>Events that come faster than {@code chat.sse.min-write-interval-millis} apart share a write: the first write
 * after a quiet spell goes out at once (the first frame of a response always does); what comes within the interval
 * after it waits for the interval's end and goes out together. A system call per event is what the server's CPU is
 * spent on (see the README's "Performance"); a reader cannot see a 10 ms wait, and at the pace of a person reading
 * (a few dozen tokens a second) it never happens.
 *
 * <p>The reader is dropped (and may resume later with {@code Last-Event-ID}) when its socket takes nothing while it
 * is more than {@code chat.sse.max-backlog-bytes} behind, or for {@code chat.sse.stall-timeout-seconds}. A failed
 * write means the client left: logged once at debug level, then the reader detaches and the stream's lifetime rules
 * take over.
 *
 * <p>It knows the stream only as a {@link StreamSource}: the events after its cursor and a wake-up when there are
 * more. Time is the given {@link Ticker}'s, the scheduler's clock.
 */
public final class Delivery implements StreamReader {

    private static final System.Logger LOG = System.getLogger(Delivery.class.getName());
    /** Frames are gathered up to about this many bytes per write. */
    private static final int BATCH_BYTES = 16 * 1024;

    /**
     * How a reader is paced and bounded.
     *
     * @param keepAliveNanos        {@code chat.sse.keepalive-seconds}
     * @param retryMillis           {@code chat.sse.retry-millis}
     * @param maxBacklogBytes       {@code chat.sse.max-backlog-bytes}
     * @param stallTimeoutNanos     {@code chat.sse.stall-timeout-seconds}
     * @param minWriteIntervalNanos {@code chat.sse.min-write-interval-millis}; 0: every event is written at once
     */
    public record Pacing(long keepAliveNanos, long retryMillis, long maxBacklogBytes, long stallTimeoutNanos,
                         long minWriteIntervalNanos) {

        /** The pacing the settings ask for. */
        public static Pacing of(ChatConfig c) {
            return new Pacing(c.keepAlive().toNanos(), c.retryMillis(), c.maxBacklogBytes(), c.stallTimeout().toNanos(),
                    c.minWriteInterval().toNanos());
        }
    }

    private final StreamSource stream;
    private final Framing framing;
    private final Transport transport;
    private final ScheduledExecutorService scheduler;
    private final Ticker ticker;
    private final StreamObserver observer;
    private final long keepAliveNanos;
    private final long retryMillis;
    private final long maxBacklogBytes;
    private final long stallTimeoutNanos;
    private final long minWriteIntervalNanos;

    private final WritePump pump;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Completed once closed: what the webapp's stop waits on. */
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    /** The seq of the last event written; touched only by the pump's writing thread. */
    private int cursor;
    private boolean preambleSent;
    /** False until the first write: that one never waits. */
    private boolean wroteOnce;
    /** A timer is set to write what waits for the end of the minimum write interval. */
    private volatile boolean writeTimerSet;
    private volatile boolean keepAliveDue;
    private volatile long shutdownRetry = -1;
    private volatile long lastWriteNanos;
    /** The transport said it was not ready and has not said it is since; from when: {@link #stalledSince}. */
    private volatile boolean stalled;
    /** Written before {@link #stalled} is set, so a thread that sees {@code stalled} sees it too. */
    private volatile long stalledSince;
    private volatile ScheduledFuture<?> timer;
    /** This reader's signal, held back to the end of a write batch open on the waking thread (see WriteBatch). */
    private final WriteBatch.Deferred deferred = new WriteBatch.Deferred(this::signal);

    /**
     * @param afterSeq the last event the client has (0: from the first)
     * @param framing  how this response puts events on the wire, as the client asked
     */
    public Delivery(StreamSource stream, int afterSeq, Framing framing, Transport transport,
                    ScheduledExecutorService scheduler, StreamObserver observer, Pacing pacing) {
        this(stream, afterSeq, framing, transport, scheduler, Ticker.SYSTEM, observer, pacing);
    }

    /**
     * @param afterSeq the last event the client has (0: from the first)
     * @param framing  how this response puts events on the wire, as the client asked
     * @param ticker   the clock of {@code scheduler}: what the pacing, keep-alive and stall rules measure with
     */
    public Delivery(StreamSource stream, int afterSeq, Framing framing, Transport transport,
                    ScheduledExecutorService scheduler, Ticker ticker, StreamObserver observer, Pacing pacing) {
        this.stream = stream;
        this.cursor = afterSeq;
        this.framing = framing;
        this.transport = transport;
        this.scheduler = scheduler;
        this.ticker = ticker;
        this.lastWriteNanos = ticker.nanoTime();
        this.observer = observer;
        this.keepAliveNanos = pacing.keepAliveNanos();
        this.retryMillis = pacing.retryMillis();
        this.maxBacklogBytes = pacing.maxBacklogBytes();
        this.stallTimeoutNanos = pacing.stallTimeoutNanos();
        this.minWriteIntervalNanos = pacing.minWriteIntervalNanos();
        this.pump = new WritePump(transport, new Frames());
    }

    /** Attaches to the stream and writes what is there (at least the first frame). */
    public void start(boolean resumed) {
        if (!stream.attach(this)) {
            shutdown(retryMillis);
            return;
        }
        observer.readerAttached(stream, resumed);
        schedule(keepAliveNanos);
        signal();
    }

    /** The transport can take bytes again. */
    public void onWritable() {
        stalled = false;
        signal();
    }

    /** The connection failed or was closed by the client. */
    public void onTransportError(Throwable t) {
        if (closed.get()) {
            return;
        }
        LOG.log(Level.DEBUG, () -> "Reader of " + stream + " went away: " + t);
        close(DetachReason.DISCONNECTED);
    }

    @Override
    public void wake() {
        if (stalled && stream.bytesAfter(cursorSnapshot) > maxBacklogBytes) {
            LOG.log(Level.DEBUG, () -> "Reader of " + stream + " is too far behind; dropped");
            close(DetachReason.TOO_SLOW);
            return;
        }
        deferred.signal();
    }

    @Override
    public void shutdown(long retryMillis) {
        shutdownRetry = retryMillis;
        signal();
    }

    @Override
    public void abort() {
        close(DetachReason.SHUTDOWN);
    }

    /** True once this reader has detached. */
    @Override
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public CompletableFuture<Void> closed() {
        return done;
    }

    /** The cursor as last published by the pump's writing thread, for the backlog check from other threads. */
    private volatile int cursorSnapshot;

    private void signal() {
        pump.signal();
    }

    /** What the pump writes: this reader's frames, its keep-alives, its shutdown. */
    private final class Frames implements WritePump.Source {

        @Override
        public void fill(ByteSink out) throws IOException {
            long retry = shutdownRetry;
            if (retry >= 0) {
                finishShutdown(out, retry);
                return;
            }
            if (mustWait()) {
                return;
            }
            if (fillBuffer(out)) {
                lastWriteNanos = ticker.nanoTime();
                wroteOnce = true;
                return;
            }
            if (stream.isTerminated() && cursor >= stream.lastSeq()) {
                close(DetachReason.COMPLETED);
            }
        }

        @Override
        public void stalled() {
            if (!stalled) {
                stalledSince = ticker.nanoTime();
                stalled = true;
            }
        }

        @Override
        public void failed(Throwable cause) {
            if (cause instanceof IOException) {
                onTransportError(cause);
            } else if (cause instanceof Error) {
                // out of memory, say, half way through a write: the reader's state is unknown. It ends; its client
                // resumes from the last event it got.
                close(DetachReason.DISCONNECTED);
                try {
                    LOG.log(Level.WARNING, () -> "Reader of " + stream + " failed: " + cause);
                } catch (Throwable ignored) {
                    // logging can fail too when memory has run out
                }
            } else {
                // containers throw IllegalStateException from a response that was already closed under us
                LOG.log(Level.DEBUG, () -> "Reader of " + stream + " failed: " + cause);
                close(DetachReason.DISCONNECTED);
            }
        }

        @Override
        public boolean isClosed() {
            return closed.get();
        }
    }

    /**
     * True when events wait but the last write was less than the minimum interval ago: a timer then writes them at
     * the interval's end (one timer at a time). Only on the pump's writing thread.
     */
    private boolean mustWait() {
        if (minWriteIntervalNanos == 0 || !wroteOnce || cursor >= stream.lastSeq()) {
            return false;
        }
        long wait = minWriteIntervalNanos - (ticker.nanoTime() - lastWriteNanos);
        if (wait <= 0) {
            return false;
        }
        if (!writeTimerSet) {
            writeTimerSet = true;
            scheduler.schedule(this::intervalOver, wait, TimeUnit.NANOSECONDS);
        }
        return true;
    }

    private void intervalOver() {
        writeTimerSet = false; // before signal: a pump writing now goes round once more and sees it clear
        signal();
    }

    /** Frames what is due into {@code buffer} (empty); false when nothing is. */
    private boolean fillBuffer(ByteSink buffer) {
        if (!preambleSent) {
            framing.preamble(buffer, retryMillis);
            preambleSent = true;
        }
        int last = stream.lastSeq();
        int written = 0;
        while (cursor < last && buffer.size() < BATCH_BYTES) {
            int seq = cursor + 1;
            stream.frame(seq, framing, buffer);
            cursor = seq;
            written++;
        }
        cursorSnapshot = cursor;
        if (written > 0) {
            keepAliveDue = false;
            observer.eventsWritten(written);
        } else if (keepAliveDue && buffer.size() == 0) {
            keepAliveDue = false;
            framing.keepAlive(buffer);
            observer.keepAliveSent();
        }
        return buffer.size() > 0;
    }

    private void finishShutdown(ByteSink buffer, long retry) throws IOException {
        framing.shutdown(buffer, retry);
        if (buffer.size() > 0) {
            pump.writeLast(buffer);
        }
        close(DetachReason.SHUTDOWN);
    }

    /** The keep-alive and stall check: runs once per keep-alive period of idleness. */
    private void tick() {
        if (closed.get()) {
            return;
        }
        long now = ticker.nanoTime();
        if (stalled && now - stalledSince >= stallTimeoutNanos) {
            LOG.log(Level.DEBUG, () -> "Reader of " + stream + " took no bytes for too long; dropped");
            close(DetachReason.TOO_SLOW);
            return;
        }
        long idle = now - lastWriteNanos;
        if (idle >= keepAliveNanos - TimeUnit.MILLISECONDS.toNanos(1)) {
            keepAliveDue = true;
            signal();
            schedule(keepAliveNanos);
        } else {
            schedule(keepAliveNanos - idle);
        }
    }

    private void schedule(long delayNanos) {
        if (!closed.get()) {
            timer = scheduler.schedule(this::tick, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void close(DetachReason reason) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
        stream.detach(this); // nothing to do when the stream has dropped its readers (its shutdown)
        try {
            transport.complete();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, () -> "Completing the response of " + stream + " failed: " + e);
        }
        done.complete(null);
        observer.readerDetached(stream, reason);
    }
}
