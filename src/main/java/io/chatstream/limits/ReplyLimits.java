package io.chatstream.limits;

import io.chatstream.event.ChatEvent;
import io.chatstream.stream.ChatStream;
import io.chatstream.stream.StreamObserver;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The admission of every new reply to the limits of {@code chat.limits.replies-per-minute} and
 * {@code chat.limits.tokens-per-day}: what the chat API (and any later way of starting a reply) asks before it
 * starts anything upstream. Hears the end of every stream to count the tokens it delivered: the backend's
 * {@code usage.completion_tokens}, else its {@code chunk} events.
 *
 * <p>A refusal is told to the observers ({@code chat_rate_limited_total}) each time, and logged once per client per
 * minute: a client that keeps retrying fills no log.
 */
public final class ReplyLimits implements StreamObserver {

    private static final System.Logger LOG = System.getLogger(ReplyLimits.class.getName());
    private static final long LOG_EVERY_MILLIS = 60_000;

    private final Limits limits;
    private final RateLimiter limiter;
    private final StreamObserver observer;
    private final Clock clock;
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

    /**
     * @param observer told of every refusal (metrics)
     * @param clock    when a refusal was last logged
     */
    public ReplyLimits(Limits limits, RateLimiter limiter, StreamObserver observer, Clock clock) {
        this.limits = limits;
        this.limiter = limiter;
        this.observer = observer;
        this.clock = clock;
    }

    public Limits limits() {
        return limits;
    }

    public boolean enabled() {
        return limits.enabled();
    }

    /** Counts a new reply of {@code clientKey}, or refuses it; see {@link RateLimiter#acquire}. */
    public CompletionStage<Decision> admit(String clientKey) {
        return limiter.acquire(clientKey).thenApply(d -> {
            if (!d.allowed()) {
                refused(clientKey, d);
            }
            return d;
        });
    }

    /** The admitted reply did not start after all: its start no longer counts. */
    public void release(String clientKey, Decision decision) {
        limiter.release(clientKey, decision);
    }

    /** The text of the {@code 429 rate_limited} error for {@code decision}. */
    public String message(Decision decision) {
        if (decision.refusedBy() == Limit.TOKENS_PER_DAY) {
            return "Today's allowance of " + limits.tokensPerDay() + " tokens is used up; it renews at 00:00 UTC.";
        }
        return "You have reached the limit of " + limits.repliesPerMinute() + " replies a minute; try again in "
                + decision.retryAfterSeconds() + " s.";
    }

    @Override
    public void streamEnded(ChatStream stream, ChatEvent.Terminal terminal, long nanos) {
        if (limits.tokensPerDay() == 0) {
            return;
        }
        long tokens = stream.chunkEvents();
        if (terminal instanceof ChatEvent.End end && end.usage() != null && end.usage().completionTokens() >= 0) {
            tokens = end.usage().completionTokens();
        }
        limiter.spent(stream.clientKey(), tokens);
    }

    /** Forgets when clients were last logged, once that is more than a minute ago. */
    public void sweep() {
        long now = clock.millis();
        lastLogged.values().removeIf(t -> now - t >= LOG_EVERY_MILLIS);
    }

    private void refused(String clientKey, Decision d) {
        observer.rateLimited(d.refusedBy().wire(), clientKey);
        long now = clock.millis();
        boolean[] log = {false};
        lastLogged.compute(clientKey, (k, last) -> {
            if (last == null || now - last >= LOG_EVERY_MILLIS) {
                log[0] = true;
                return now;
            }
            return last;
        });
        if (log[0]) {
            LOG.log(Level.INFO, "Replies refused for client " + printable(clientKey) + ": "
                    + d.refusedBy().wire() + " reached, retry after " + d.retryAfterSeconds()
                    + " s (logged once a minute per client)");
        }
    }

    /** A client key may hold a user name from the container: one printable line. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 100));
        s.codePoints().limit(100).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '_' : c));
        return b.toString();
    }
}
