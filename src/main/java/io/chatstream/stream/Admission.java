package io.chatstream.stream;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The count of running generations on this node, server-wide ({@code chat.limits.max-streams}) and per client
 * ({@code chat.limits.max-streams-per-client}): a generation is admitted under both or refused, and released once
 * when it ends. Lock-free: a compare-and-set on the total, an atomic update of the client's count.
 */
final class Admission {

    private final int max;
    private final int maxPerClient;
    private final AtomicInteger running = new AtomicInteger();
    private final Map<String, Integer> runningPerClient = new ConcurrentHashMap<>();

    Admission(int max, int maxPerClient) {
        this.max = max;
        this.maxPerClient = maxPerClient;
    }

    /** Counts one more generation of {@code clientKey}, or refuses it and counts nothing. */
    void admit(String clientKey) throws StreamRegistry.RefusedException {
        int n;
        do {
            n = running.get();
            if (n >= max) {
                throw new StreamRegistry.RefusedException(StreamRegistry.Refusal.TOO_MANY);
            }
        } while (!running.compareAndSet(n, n + 1));
        boolean[] admitted = {false};
        runningPerClient.compute(clientKey, (k, v) -> {
            int count = v == null ? 0 : v;
            if (count >= maxPerClient) {
                return v;
            }
            admitted[0] = true;
            return count + 1;
        });
        if (!admitted[0]) {
            running.decrementAndGet();
            throw new StreamRegistry.RefusedException(StreamRegistry.Refusal.TOO_MANY_FOR_CLIENT);
        }
    }

    /** One generation of {@code clientKey} ended. */
    void release(String clientKey) {
        running.decrementAndGet();
        runningPerClient.computeIfPresent(clientKey, (k, v) -> v <= 1 ? null : v - 1);
    }

    int running() {
        return running.get();
    }

    int running(String clientKey) {
        return runningPerClient.getOrDefault(clientKey, 0);
    }

    /** The webapp stops: nothing is counted any more. */
    void clear() {
        runningPerClient.clear();
        running.set(0);
    }
}
