package io.chatstream.limits;

import java.util.ArrayList;
import java.util.List;

/**
 * The answer to one request for a new reply: admitted (and counted) or refused, with the state of every limit that
 * is on, for the {@code RateLimit} field and {@code Retry-After}.
 *
 * @param allowed           true when the reply may start; it was then counted against the window
 * @param refusedBy         the limit that refused it (the one with the longer wait when both did), or null
 * @param retryAfterSeconds seconds until a reply would be accepted; 0 when allowed
 * @param states            one per limit that is on, in the order of {@link Limit}
 * @param ticket            what {@link RateLimiter#release} needs to take the start back; null when none was counted
 */
public record Decision(boolean allowed, Limit refusedBy, long retryAfterSeconds, List<State> states, Object ticket) {

    /**
     * A limit as the client stands with it after this request.
     *
     * @param limit        which
     * @param quota        the limit's quota ({@code q})
     * @param remaining    replies (tokens) left now ({@code r})
     * @param resetSeconds seconds until the quota frees up again ({@code t}): for the window, until its oldest start
     *                     leaves it; for the day, until 00:00 UTC
     */
    public record State(Limit limit, long quota, long remaining, long resetSeconds) {
    }

    /** Every reply allowed, nothing counted: what an off limiter, or one that cannot reach its store, answers. */
    public static final Decision UNLIMITED = new Decision(true, null, 0, List.of(), null);

    private static final long DAY_MILLIS = 86_400_000L;

    /**
     * The one rule, shared by every store so a cluster answers as one node would.
     *
     * @param limits       the limits
     * @param counted      true when this request was counted in the window (it was admitted)
     * @param inWindow     starts in the window after this request (the new one included when counted)
     * @param oldestMillis the oldest start still in the window (meaningless when {@code inWindow} is 0)
     * @param nowMillis    the store's clock
     * @param tokensUsed   completion tokens spent today
     * @param ticket       what takes the counted start back, or null
     */
    static Decision of(Limits limits, boolean counted, long inWindow, long oldestMillis, long nowMillis,
                       long tokensUsed, Object ticket) {
        List<State> states = new ArrayList<>(2);
        Limit refusedBy = null;
        long retry = 0;
        if (limits.repliesPerMinute() > 0) {
            long window = Limits.WINDOW.toMillis();
            long reset = inWindow == 0 ? 0 : ceilSeconds(oldestMillis + window - nowMillis);
            states.add(new State(Limit.REPLIES_PER_MINUTE, limits.repliesPerMinute(),
                    Math.max(0, limits.repliesPerMinute() - inWindow), reset));
            if (!counted && inWindow >= limits.repliesPerMinute()) {
                refusedBy = Limit.REPLIES_PER_MINUTE;
                retry = Math.max(1, reset);
            }
        }
        if (limits.tokensPerDay() > 0) {
            long untilMidnight = ceilSeconds((Math.floorDiv(nowMillis, DAY_MILLIS) + 1) * DAY_MILLIS - nowMillis);
            states.add(new State(Limit.TOKENS_PER_DAY, limits.tokensPerDay(),
                    Math.max(0, limits.tokensPerDay() - tokensUsed), untilMidnight));
            if (tokensUsed >= limits.tokensPerDay() && untilMidnight >= retry) {
                refusedBy = Limit.TOKENS_PER_DAY;
                retry = Math.max(1, untilMidnight);
            }
        }
        boolean allowed = refusedBy == null;
        return new Decision(allowed, refusedBy, retry, List.copyOf(states), allowed ? ticket : null);
    }

    /** Whole seconds, rounded up: a client that waits that long is never refused again by the same start. */
    static long ceilSeconds(long millis) {
        return millis <= 0 ? 0 : (millis + 999) / 1000;
    }
}
