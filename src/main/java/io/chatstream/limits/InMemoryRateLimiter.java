package io.chatstream.limits;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The limits of one node, counted in its memory on an injected {@link Clock}.
 *
 * <p>The window is a log of start times per client: a ring of at most {@code replies-per-minute} entries. That is
 * exact at the boundary (the start that would be the N+1-th within 60 s of the first is refused, and accepted at
 * exactly 60 s, since a start leaves the window once it is 60 s old) and gives the exact wait until the oldest start
 * leaves. A sliding-window counter of two buckets would need a tenth of the memory but only estimates the count, so
 * it refuses early or late near the boundary; with quotas of tens a minute, the log costs a few hundred bytes per
 * active client. The day's tokens are a count with the UTC day it belongs to, reset when a request of a later day
 * comes.
 *
 * <p>Each client's state changes under its map bin's lock ({@link ConcurrentHashMap#compute}): a few arithmetic
 * steps, never a wait. {@link #sweep()} drops the clients with nothing left to remember.
 */
public final class InMemoryRateLimiter implements RateLimiter {

    private static final long DAY_MILLIS = 86_400_000L;

    private final Limits limits;
    private final Clock clock;
    private final long windowMillis = Limits.WINDOW.toMillis();
    private final Map<String, Client> clients = new ConcurrentHashMap<>();

    public InMemoryRateLimiter(Limits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    @Override
    public CompletionStage<Decision> acquire(String clientKey) {
        return CompletableFuture.completedFuture(decide(clientKey));
    }

    /** As {@link #acquire}, answered at once. */
    public Decision decide(String clientKey) {
        long now = clock.millis();
        Decision[] out = new Decision[1];
        clients.compute(clientKey, (k, c) -> {
            Client client = c != null ? c : new Client(limits.repliesPerMinute());
            client.prune(now - windowMillis);
            long used = client.usedOn(Math.floorDiv(now, DAY_MILLIS));
            boolean windowFull = limits.repliesPerMinute() > 0 && client.size >= limits.repliesPerMinute();
            boolean daySpent = limits.tokensPerDay() > 0 && used >= limits.tokensPerDay();
            boolean admit = !windowFull && !daySpent;
            if (admit && limits.repliesPerMinute() > 0) {
                client.add(now);
            }
            out[0] = Decision.of(limits, admit, client.size, client.oldest(), now, used, admit ? now : null);
            return client;
        });
        return out[0];
    }

    @Override
    public void release(String clientKey, Decision decision) {
        if (decision.ticket() instanceof Long start) {
            clients.computeIfPresent(clientKey, (k, c) -> {
                c.remove(start);
                return c;
            });
        }
    }

    @Override
    public void spent(String clientKey, long tokens) {
        if (limits.tokensPerDay() == 0 || tokens <= 0) {
            return;
        }
        long day = Math.floorDiv(clock.millis(), DAY_MILLIS);
        clients.compute(clientKey, (k, c) -> {
            Client client = c != null ? c : new Client(limits.repliesPerMinute());
            client.usedOn(day);
            client.used += tokens;
            return client;
        });
    }

    /** Forgets the clients whose window is empty and who spent nothing today. Called every minute or so. */
    public void sweep() {
        long now = clock.millis();
        long today = Math.floorDiv(now, DAY_MILLIS);
        for (String key : clients.keySet()) {
            clients.computeIfPresent(key, (k, c) -> {
                c.prune(now - windowMillis);
                return c.size == 0 && c.usedOn(today) == 0 ? null : c;
            });
        }
    }

    /** Clients remembered now. */
    public int clients() {
        return clients.size();
    }

    /** One client: a ring of start times, oldest at {@code head}, and the tokens of one UTC day. */
    private static final class Client {
        private final long[] starts;
        private int head;
        private int size;
        private long day = Long.MIN_VALUE;
        private long used;

        Client(int capacity) {
            starts = new long[capacity];
        }

        /** Drops the starts at or before {@code cutoff}: a start exactly 60 s old has left the window. */
        void prune(long cutoff) {
            while (size > 0 && starts[head] <= cutoff) {
                head = (head + 1) % starts.length;
                size--;
            }
        }

        void add(long start) {
            starts[(head + size) % starts.length] = start;
            size++;
        }

        long oldest() {
            return size == 0 ? 0 : starts[head];
        }

        /** Takes back the newest entry equal to {@code start}, closing the gap. */
        void remove(long start) {
            for (int i = size - 1; i >= 0; i--) {
                if (starts[(head + i) % starts.length] == start) {
                    for (int j = i; j < size - 1; j++) {
                        starts[(head + j) % starts.length] = starts[(head + j + 1) % starts.length];
                    }
                    size--;
                    return;
                }
            }
        }

        /** Today's tokens; a later day starts again from 0. */
        long usedOn(long today) {
            if (day != today) {
                day = today;
                used = 0;
            }
            return used;
        }
    }
}
