package io.chatstream.models;

import io.chatstream.backend.ChatBackend;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The models the backend offers ({@code GET /api/models}, {@code SPEC.md} section 11), asked of the backend's
 * {@link ChatBackend#listModels()} and kept for a while, so that page loads do not each cost an upstream call.
 *
 * <ul>
 *   <li><b>One upstream call at a time.</b> Every caller that comes while a call is under way gets that call's
 *   answer; none starts another, however many ask.</li>
 *   <li><b>A list is kept for {@code cacheFor}</b> ({@code chat.models.cache-seconds}) from when it arrived; the
 *   first caller after that starts a new call. {@code 0}: each caller that finds no call under way starts one.</li>
 *   <li><b>A failure is kept for {@link #FAILURE_HOLD}</b> (at most {@code cacheFor}): callers in that time get the
 *   same failure at once, so a provider that is down is asked once per hold, not once per page load, and comes back
 *   into use by itself soon after it recovers.</li>
 *   <li><b>An upstream that answers nothing within {@code patience}</b> counts as a failure, and its call is
 *   cancelled: callers never wait without bound on one stuck request that they all share.</li>
 * </ul>
 * No thread waits: {@link #models()} returns a future, completed from the backend's own callback (or the deadline's
 * timer on the shared scheduler). Failures complete it with {@link ModelsUnavailableException}.
 */
public final class ModelCatalog {

    private static final System.Logger LOG = System.getLogger(ModelCatalog.class.getName());

    /** How long a failed listing is kept before the provider is asked again. */
    public static final Duration FAILURE_HOLD = Duration.ofSeconds(5);

    private final ChatBackend backend;
    private final LongSupplier nanoClock;
    private final ScheduledExecutorService scheduler;
    private final long cacheNanos;
    private final long failureNanos;
    private final Duration patience;
    private final ReentrantLock lock = new ReentrantLock();
    /** The last call, under way or settled; null before the first. Guarded by {@link #lock}. */
    private Call current;

    /**
     * @param backend   whose models are listed
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime}); tests turn their own
     * @param scheduler the webapp's scheduler, for the deadline of each call
     * @param cacheFor  how long a list is kept
     * @param patience  how long one upstream call may take
     */
    public ModelCatalog(ChatBackend backend, LongSupplier nanoClock, ScheduledExecutorService scheduler,
                        Duration cacheFor, Duration patience) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        if (cacheFor.isNegative() || patience.isNegative() || patience.isZero()) {
            throw new IllegalArgumentException("cacheFor must be >= 0 and patience > 0");
        }
        this.cacheNanos = cacheFor.toNanos();
        this.failureNanos = Math.min(FAILURE_HOLD.toNanos(), cacheNanos);
        this.patience = patience;
    }

    /**
     * The models, from the list kept, the call under way, or a new call. The returned future is the caller's own
     * (completing or cancelling it affects no other caller); already complete when a list or failure is kept.
     */
    public CompletableFuture<ModelList> models() {
        Call call;
        boolean start = false;
        lock.lock();
        try {
            call = current;
            if (call == null || call.settled && nanoClock.getAsLong() - call.expiresAt >= 0) {
                call = new Call();
                current = call;
                start = true;
            }
        } finally {
            lock.unlock();
        }
        if (start) {
            ask(call);
        }
        return call.result.copy();
    }

    /**
     * The webapp stops: a call under way fails now (callers get {@code 503}), since its upstream may never answer
     * once the webapp's HTTP client and scheduler are gone. Idempotent.
     */
    public void close() {
        Call call;
        lock.lock();
        try {
            call = current;
        } finally {
            lock.unlock();
        }
        if (call != null) {
            settle(call, null, new CancellationException("the server is stopping"));
        }
    }

    private void ask(Call call) {
        CompletableFuture<List<String>> upstream;
        try {
            upstream = Objects.requireNonNull(backend.listModels(), "listModels() returned null");
        } catch (RuntimeException e) {
            upstream = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<List<String>> asked = upstream;
        ScheduledFuture<?> deadline = null;
        if (!asked.isDone()) {
            try {
                deadline = scheduler.schedule(() -> {
                    if (settle(call, null, new TimeoutException("no answer within " + patience.toSeconds() + " s"))) {
                        asked.cancel(true); // the JDK client aborts the exchange of a cancelled sendAsync
                    }
                }, patience.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                settle(call, null, e); // the webapp is stopping
                return;
            }
        }
        ScheduledFuture<?> timer = deadline;
        asked.whenComplete((ids, failure) -> {
            if (timer != null) {
                timer.cancel(false);
            }
            settle(call, ids, failure);
        });
    }

    /** Settles {@code call} once: with the list, or with {@code failure}. True if this call settled it. */
    private boolean settle(Call call, List<String> ids, Throwable failure) {
        ModelList list = null;
        Throwable why = failure;
        if (why == null) {
            try {
                list = ModelList.of(Objects.requireNonNull(ids, "the backend listed null"), backend.defaultModel());
            } catch (RuntimeException e) {
                why = e;
            }
        }
        lock.lock();
        try {
            if (call.settled) {
                return false;
            }
            call.settled = true;
            call.expiresAt = nanoClock.getAsLong() + (why == null ? cacheNanos : failureNanos);
        } finally {
            lock.unlock();
        }
        if (why == null) {
            call.result.complete(list);
        } else {
            Throwable cause = why instanceof CompletionException && why.getCause() != null ? why.getCause() : why;
            // once per upstream call, not per request: the hold bounds how often this is logged
            LOG.log(Level.WARNING, "The backend could not list its models: " + cause);
            long retryAfter = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(failureNanos + 999_999_999));
            call.result.completeExceptionally(new ModelsUnavailableException(
                    "The backend cannot list its models now.", retryAfter, cause));
        }
        return true;
    }

    /** One upstream call and what came of it. */
    private static final class Call {
        final CompletableFuture<ModelList> result = new CompletableFuture<>();
        /** Guarded by the catalog's lock. */
        boolean settled;
        /** When the settled answer stops being served; guarded by the catalog's lock. */
        long expiresAt;
    }
}
