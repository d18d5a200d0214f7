package io.chatstream.app;

import io.chatstream.store.ConversationStore;
import io.chatstream.store.ConversationStores;
import io.chatstream.store.StoreConfig;
import io.chatstream.stream.BatchingExecutors;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The conversation store with its own bounded pool of {@code chat-store} threads, the only threads that wait on the
 * database: as many as connections, with a queue that, once full, is a {@code 503} rather than a pile of waiting
 * work.
 */
final class StorePool {

    private static final System.Logger LOG = System.getLogger(StorePool.class.getName());
    /** The most the queued saves are given to run while the application closes. */
    private static final Duration SAVES_WAIT = Duration.ofSeconds(5);
    private static final Duration FAILED_START_WAIT = Duration.ofSeconds(5);

    private final PoolThreads threads;
    private final ThreadPoolExecutor executor;
    private final ConversationStore store;

    private StorePool(PoolThreads threads, ThreadPoolExecutor executor, ConversationStore store) {
        this.threads = threads;
        this.executor = executor;
        this.store = store;
    }

    /** Opens the store {@code config} names; when that fails, nothing is left running. */
    static StorePool open(StoreConfig config, ClassLoader loader) {
        int n = config.poolSize();
        PoolThreads threads = new PoolThreads(BatchingExecutors.threads("chat-store"));
        ThreadPoolExecutor executor = new ThreadPoolExecutor(n, n, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(10_000), threads);
        try {
            return new StorePool(threads, executor, ConversationStores.open(config, executor, loader));
        } catch (RuntimeException e) {
            threads.stop(executor, Deadline.in(FAILED_START_WAIT));
            throw e;
        }
    }

    ConversationStore store() {
        return store;
    }

    /**
     * Lets the saves already queued run (up to 5 s, within {@code deadline}), then closes the connections and joins
     * the pool's threads.
     */
    void close(Deadline deadline) {
        executor.shutdown();
        Duration wait = deadline.atMost(SAVES_WAIT);
        try {
            if (!executor.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                LOG.log(Level.WARNING, "Conversation saves still queued after " + wait.toMillis() + " ms are"
                        + " dropped; replies keep their last checkpoint");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
        threads.stop(executor, deadline);
    }
}
