package io.chatstream.web;

import io.chatstream.app.ChatApplication;
import io.chatstream.app.Deadline;
import io.chatstream.diagnostics.Diagnostics;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The webapp's stop, in the order it runs, bounded as a whole ({@link #bound}):
 *
 * <ol>
 *   <li>refuse new work: request bodies still coming in are answered {@code 503} and no new one is read; no
 *       connection test opens; the stream registry admits no generation; a cluster node's health says
 *       {@code draining};</li>
 *   <li>tell readers to reconnect: every chat stream's reader gets its jittered {@code retry:}, every connection
 *       test its {@code shutdown} event;</li>
 *   <li>wait for them, up to {@link #READERS_WAIT}, while busy sockets take it; a cluster node then drains: its
 *       running generations go on into the shared log, for other nodes' readers, up to
 *       {@code chat.cluster.drain-seconds} (waited on each stream's end), and those still running end with
 *       {@code error} / {@code interrupted};</li>
 *   <li>end what remains: readers still busy are completed as they are, generations cancelled;</li>
 *   <li>close pools and stores: model listings, reply saves (queued ones run), backend and HTTP client, tools,
 *       conversation store, the cluster's stream directory (its streams then lapse with the node's lease), Redis, the
 *       scheduler;</li>
 *   <li>join the application's threads;</li>
 *   <li>wait for the container to finish, on its own threads, every request the steps above ended: a webapp
 *       unloaded before that is unloaded under them.</li>
 * </ol>
 *
 * <p>Each step waits at most what is left of the bound, on a condition, a future or a thread's end (step 3 is the
 * stream registry's own wait); one line is logged when the bound was not enough. Steps 1 to 4 also run from the
 * JVM's exit hook (see {@link ChatContextListener}), whichever comes first; the other waits for them.
 */
final class StopSequence {

    /**
     * The bound on the whole stop: below the 30 s most init systems give a service before they kill it; a cluster
     * node's adds its drain time ({@link #bound(ChatApplication)}).
     */
    static final Duration BOUND = Duration.ofSeconds(10);
    /** How long busy connections get to take their {@code retry:}. */
    static final Duration READERS_WAIT = Duration.ofSeconds(2);

    private static final System.Logger LOG = System.getLogger(StopSequence.class.getName());

    private final JsonBodies bodies;
    private final Diagnostics diagnostics;
    private final ChatApplication app;
    private final AsyncRequests requests;
    private final Duration bound;
    private final AtomicBoolean streamsEnding = new AtomicBoolean();
    private final CompletableFuture<Void> streamsEnded = new CompletableFuture<>();

    /** @param bound the bound on the whole stop: {@link #BOUND}, or less in a test */
    StopSequence(JsonBodies bodies, Diagnostics diagnostics, ChatApplication app, AsyncRequests requests,
                 Duration bound) {
        this.bodies = bodies;
        this.diagnostics = diagnostics;
        this.app = app;
        this.requests = requests;
        this.bound = bound;
    }

    /** The bound of {@code app}'s stop: {@link #BOUND}, plus {@code chat.cluster.drain-seconds} on a cluster node. */
    static Duration bound(ChatApplication app) {
        return BOUND.plus(app.drainTime());
    }

    /** The whole stop, steps 1 to 7; returns within its bound, give or take a step that overran its share. */
    void run() {
        long start = System.nanoTime();
        Deadline deadline = Deadline.in(bound);
        endStreams(deadline); // 1 to 4
        app.close(deadline); // 5 and 6
        boolean finished = requests.awaitNone(deadline.left()); // 7
        if (!finished || deadline.passed()) {
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            LOG.log(Level.WARNING, "The webapp's stop reached its bound of " + bound.toMillis() + " ms (took "
                    + took + " ms); " + requests.open() + " responses were still open, which the container ends");
        }
    }

    /**
     * Steps 1 to 4, once: the first caller runs them, a second one waits for the first, within {@code deadline}.
     */
    void endStreams(Deadline deadline) {
        if (!streamsEnding.compareAndSet(false, true)) {
            awaitStreamsEnded(deadline);
            return;
        }
        try {
            bodies.stop(); // 1, and 4 for bodies still coming in
            diagnostics.close(); // 1, 2 and 4 for connection tests
            app.drainStreams(READERS_WAIT, deadline); // 1 to 4 for chat streams, with a cluster node's drain
        } finally {
            streamsEnded.complete(null);
        }
    }

    private void awaitStreamsEnded(Deadline deadline) {
        try {
            streamsEnded.get(deadline.left().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.DEBUG, () -> "The streams' end, begun by the JVM's exit, is not over: " + e);
        }
    }
}
