package io.chatstream.diagnostics;

import io.chatstream.stream.Transport;
import io.chatstream.stream.WritePump;
import io.chatstream.time.Ticker;
import io.chatstream.wire.ByteSink;
import io.chatstream.wire.JsonObject;
import io.chatstream.wire.SseFrames;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The connection test behind {@code GET /api/diagnostics}: an event stream with the very headers of a chat stream
 * that sends one timed tick a second, then stays silent for a while, then says so. A browser page
 * ({@code diagnostics.html}) reads it and tells whether something between it and the server holds the stream back
 * (the ticks arrive in bursts, or all at the end) or cuts connections that are silent (the silence never ends with
 * its event), and after how long.
 *
 * <pre>
 * id: diagnostics:1
 * data: {"type":"hello","server_time_ms":1732000000000,"ticks":10,"tick_millis":1000,"idle_seconds":130,"keepalive_seconds":15}
 *
 * id: diagnostics:2
 * data: {"type":"tick","n":1,"server_time_ms":1732000001000}
 * ...                                              one tick a second, then no byte at all for idle_seconds
 * id: diagnostics:12
 * data: {"type":"idle_end","server_time_ms":1732000140000,"idle_seconds":130}
 * </pre>
 *
 * <p>Then the response completes. When the webapp stops, open runs get {@code {"type":"shutdown"}} and complete.
 * Runs take their timers from the shared scheduler (no thread per run), last at most {@link #MAX_TICKS} +
 * {@link #MAX_IDLE_SECONDS} seconds; at most {@code maxRuns} run at once, and at most {@code maxRunsPerClient} of
 * one client, so no client can take every run from the others.
 *
 * <p>A client that went away is noticed only by a write that fails, and the silence is the one part of a run that
 * writes nothing: an abandoned run would hold its place and its connection until the silence ends, up to
 * {@link #MAX_IDLE_SECONDS}. So, while at least half of {@code maxRuns} are taken, every silent run gets a comment
 * every {@link #PROBE_SECONDS} seconds; a gone client's run ends at the first probe whose write fails, usually the
 * second (the first write after the peer closed only brings its reset back): within seconds. The comment is
 *
 * <pre>
 * : probe
 * </pre>
 *
 * <p>and the page, which sees it, says that this run's silence was broken and cannot tell about idle cuts. Below half,
 * silences stay silent: that is what they measure.
 */
public final class Diagnostics implements AutoCloseable {

    public static final int MAX_TICKS = 60;
    public static final int MAX_IDLE_SECONDS = 600;
    public static final int DEFAULT_TICKS = 10;
    /** Long enough to meet the common idle cuts: 60 s (nginx, Apache, many load balancers), 100 s, 120 s. */
    public static final int DEFAULT_IDLE_SECONDS = 130;
    /** How often a silent run is probed while the server is short of places. */
    public static final int PROBE_SECONDS = 2;

    /** Why {@link #open} refused a run. */
    public enum Refusal {
        /** {@code maxRunsPerClient} of this client's runs are open. */
        TOO_MANY_FOR_CLIENT,
        /** {@code maxRuns} are open, or the webapp is stopping. */
        TOO_MANY
    }

    /** A run {@link #open} did not open. */
    public static final class RefusedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final Refusal refusal;

        RefusedException(Refusal refusal) {
            super(refusal.name(), null, false, false);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    private static final System.Logger LOG = System.getLogger(Diagnostics.class.getName());
    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final byte[] ID = "diagnostics".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PROBE = ": probe\n\n".getBytes(StandardCharsets.US_ASCII);

    private final ScheduledExecutorService scheduler;
    private final Ticker ticker;
    private final long keepAliveSeconds;
    private final int maxRuns;
    private final int maxRunsPerClient;
    private final Set<Run> runs = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> perClient = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param keepAliveSeconds the server's {@code chat.sse.keepalive-seconds}, told to the page so it can compare
     * @param maxRuns          runs at once, server-wide
     * @param maxRunsPerClient runs at once of one client
     */
    public Diagnostics(ScheduledExecutorService scheduler, long keepAliveSeconds, int maxRuns, int maxRunsPerClient) {
        this(scheduler, Ticker.SYSTEM, keepAliveSeconds, maxRuns, maxRunsPerClient);
    }

    /** @param ticker the clock the scheduler's delays are measured by (a test's manual clock, or the machine's) */
    public Diagnostics(ScheduledExecutorService scheduler, Ticker ticker, long keepAliveSeconds, int maxRuns,
                       int maxRunsPerClient) {
        this.scheduler = scheduler;
        this.ticker = ticker;
        this.keepAliveSeconds = keepAliveSeconds;
        this.maxRuns = maxRuns;
        this.maxRunsPerClient = maxRunsPerClient;
    }

    /**
     * A new run, counted against the limits but not started.
     *
     * @param client      who asks: the principal, else the client's address (as for the stream limit)
     * @param ticks       1 to {@link #MAX_TICKS}
     * @param idleSeconds 0 to {@link #MAX_IDLE_SECONDS}
     * @throws RefusedException when {@code client} has {@code maxRunsPerClient} runs open, or {@code maxRuns} are
     *                          open, or the webapp is stopping
     */
    public Run open(String client, int ticks, int idleSeconds) throws RefusedException {
        if (ticks < 1 || ticks > MAX_TICKS || idleSeconds < 0 || idleSeconds > MAX_IDLE_SECONDS) {
            throw new IllegalArgumentException("ticks " + ticks + ", idle " + idleSeconds);
        }
        boolean[] admitted = new boolean[1];
        perClient.compute(client, (k, n) -> {
            int open = n == null ? 0 : n;
            admitted[0] = open < maxRunsPerClient;
            return admitted[0] ? open + 1 : n;
        });
        if (!admitted[0]) {
            throw new RefusedException(Refusal.TOO_MANY_FOR_CLIENT);
        }
        Run run = new Run(client, ticks, idleSeconds);
        runs.add(run);
        if (closed || runs.size() > maxRuns) {
            release(run);
            throw new RefusedException(Refusal.TOO_MANY);
        }
        return run;
    }

    /** Gives back the places of {@code run}; once. */
    private void release(Run run) {
        if (runs.remove(run)) {
            perClient.computeIfPresent(run.client, (k, n) -> n > 1 ? n - 1 : null);
        }
    }

    /** Whether silent runs are probed: at least half the places are taken. */
    private boolean shortOfPlaces() {
        return runs.size() * 2 >= maxRuns;
    }

    /** Runs now open. */
    public int running() {
        return runs.size();
    }

    /** Ends every run with a {@code shutdown} event; no run opens after this. */
    @Override
    public void close() {
        closed = true;
        for (Run run : List.copyOf(runs)) {
            run.shutdown();
        }
    }

    /**
     * One test connection. It ends once: after its {@code idle_end} is written, when the webapp stops, or on
     * {@link #cancel()}; then its response is completed and its timers cancelled.
     *
     * <p>Its timers frame events into {@code pending} under the run's lock; a {@link WritePump}, the one the chat
     * streams are written by, takes them from there whenever the socket takes bytes.
     */
    public final class Run {
        private final String client;
        private final int ticks;
        private final int idleSeconds;
        private final ReentrantLock lock = new ReentrantLock();
        /** Frames not yet handed to the pump. Lock held. */
        private final ByteSink pending = new ByteSink(256);
        /** Where an event's JSON is built before it is framed. Lock held. */
        private final ByteSink json = new ByteSink(128);
        private Transport transport;
        private volatile WritePump pump;
        private long startNanos;
        private int seq;
        private int ticksSent;
        /** No more events: the run ends once {@code pending} is written. */
        private boolean finished;
        /** The webapp is stopping: what is pending is written if the socket takes it, then the run ends. */
        private boolean shuttingDown;
        private volatile boolean done;
        private ScheduledFuture<?> timer;
        private ScheduledFuture<?> probeTimer;

        private Run(String client, int ticks, int idleSeconds) {
            this.client = client;
            this.ticks = ticks;
            this.idleSeconds = idleSeconds;
        }

        /** The response can be written: sends {@code hello} and starts the ticks. */
        public void start(Transport t) {
            lock.lock();
            try {
                if (done) {
                    t.complete();
                    return;
                }
                transport = t;
                startNanos = ticker.nanoTime();
                send(event("hello").number("server_time_ms", System.currentTimeMillis()).number("ticks", ticks)
                        .number("tick_millis", 1000).number("idle_seconds", idleSeconds)
                        .number("keepalive_seconds", keepAliveSeconds));
                scheduleAt(TICK_NANOS, this::tick);
                pump = new WritePump(t, new Output());
            } finally {
                lock.unlock();
            }
            signal();
        }

        /** The transport can take bytes again. */
        public void onWritable() {
            signal();
        }

        /** The client left or the connection failed: stop, without writing. Idempotent. */
        public void cancel() {
            lock.lock();
            try {
                if (!done) {
                    end();
                }
            } finally {
                lock.unlock();
            }
        }

        private void tick() {
            lock.lock();
            try {
                if (finished) {
                    return;
                }
                ticksSent++;
                send(event("tick").number("n", ticksSent).number("server_time_ms", System.currentTimeMillis()));
                if (ticksSent < ticks) {
                    // each tick is timed from the start, not from the last one: a late tick does not shift the rest
                    scheduleAt((ticksSent + 1) * TICK_NANOS, this::tick);
                } else {
                    scheduleAt(ticksSent * TICK_NANOS + TimeUnit.SECONDS.toNanos(idleSeconds), this::idleEnd);
                    scheduleProbe();
                }
            } finally {
                lock.unlock();
            }
            signal();
        }

        /** In the silence: a comment when places are short (see the class comment), then the next check. */
        private void probe() {
            lock.lock();
            try {
                if (finished) {
                    return;
                }
                if (shortOfPlaces()) {
                    pending.write(PROBE, 0, PROBE.length);
                }
                scheduleProbe();
            } finally {
                lock.unlock();
            }
            signal();
        }

        private void scheduleProbe() {
            try {
                probeTimer = scheduler.schedule(this::probe, PROBE_SECONDS, TimeUnit.SECONDS);
            } catch (RejectedExecutionException e) {
                finished = true; // the webapp is stopping
            }
        }

        private void idleEnd() {
            lock.lock();
            try {
                if (finished) {
                    return;
                }
                send(event("idle_end").number("server_time_ms", System.currentTimeMillis())
                        .number("idle_seconds", idleSeconds));
                finished = true;
            } finally {
                lock.unlock();
            }
            signal();
        }

        /**
         * The webapp is stopping, or the container is ending the response (Tomcat times out the requests of a
         * webapp that stops): a {@code shutdown} event if the socket takes it, then the response completes.
         */
        public void shutdown() {
            lock.lock();
            try {
                if (done) {
                    return;
                }
                if (transport == null) {
                    end();
                    return;
                }
                if (!finished) {
                    send(event("shutdown").number("server_time_ms", System.currentTimeMillis()));
                    finished = true;
                }
                shuttingDown = true;
                cancelTimer();
            } finally {
                lock.unlock();
            }
            signal();
            // the socket is not taking bytes (or another thread is writing), and the container will not call back
            // for long
            cancel();
        }

        /** An event's JSON, begun with its type; {@link #send} ends and frames it. Lock held. */
        private JsonObject event(String type) {
            json.reset();
            return JsonObject.in(json).string("type", type);
        }

        /** Ends {@code event} and frames it as the next event of this run. Lock held. */
        private void send(JsonObject event) {
            event.end();
            SseFrames.event(pending, ID, ++seq, json.array(), 0, json.size());
        }

        private void signal() {
            WritePump p = pump;
            if (p != null) {
                p.signal();
            }
        }

        /** Lock held. */
        private void end() {
            done = true;
            finished = true;
            cancelTimer();
            release(this);
            if (transport != null) {
                try {
                    transport.complete();
                } catch (RuntimeException e) {
                    LOG.log(Level.DEBUG, () -> "Completing a diagnostics run failed: " + e);
                }
            }
        }

        private void scheduleAt(long nanosFromStart, Runnable task) {
            long delay = Math.max(0, startNanos + nanosFromStart - ticker.nanoTime());
            try {
                timer = scheduler.schedule(task, delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                finished = true; // the webapp is stopping
            }
        }

        private void cancelTimer() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            if (probeTimer != null) {
                probeTimer.cancel(false);
                probeTimer = null;
            }
        }

        /** What the pump writes: the pending frames; then, once the run is finished, the end of the response. */
        private final class Output implements WritePump.Source {

            @Override
            public void fill(ByteSink out) throws IOException {
                lock.lock();
                try {
                    if (done) {
                        return;
                    }
                    if (pending.size() > 0) {
                        out.write(pending.array(), 0, pending.size());
                        pending.reset();
                        if (!shuttingDown) {
                            return;
                        }
                        pump.writeLast(out);
                    }
                    if (finished) {
                        end();
                    }
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public void stalled() {
                // the container calls onWritable once the socket takes bytes again
            }

            @Override
            public void failed(Throwable cause) {
                LOG.log(Level.DEBUG, () -> "A diagnostics run ended: " + cause);
                cancel();
            }

            @Override
            public boolean isClosed() {
                return done;
            }
        }
    }
}
