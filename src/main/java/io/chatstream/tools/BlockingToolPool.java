package io.chatstream.tools;

import java.lang.System.Logger.Level;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pool on which tools that block (JDBC, files, a synchronous HTTP client) do their work: a few daemon threads
 * named {@code chat-tool-N} and a bounded queue, apart from the shared scheduler and the HTTP client's threads, so a
 * slow tool can hold up only other tool calls. A call that finds the queue full is not queued: its result is an
 * error text the model reads. A call cancelled (the reply was, or the call timed out) is interrupted.
 */
public final class BlockingToolPool implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(BlockingToolPool.class.getName());

    private final ThreadPoolExecutor executor;

    /**
     * @param threads the most calls that block at once
     * @param queue   the most calls waiting for a thread; one more is refused
     */
    public BlockingToolPool(int threads, int queue) {
        AtomicInteger count = new AtomicInteger();
        executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
                task -> {
                    Thread t = new Thread(task, "chat-tool-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true); // no thread kept while no tool blocks
    }

    /**
     * Runs {@code work} on a thread of the pool. The stage completes with its result, or exceptionally with what
     * it threw; with {@code error: too many tool calls are waiting} when the pool's queue is full. When
     * {@code context} is cancelled the work's thread is interrupted.
     */
    public CompletionStage<String> submit(ToolCallContext context, Callable<String> work) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Future<?> task;
        try {
            task = executor.submit(() -> {
                if (context.isCancelled()) {
                    return;
                }
                try {
                    result.complete(work.call());
                } catch (Exception | Error e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.complete("error: too many tool calls are waiting; try again later");
            return result;
        }
        context.cancelled().thenRun(() -> task.cancel(true));
        return result;
    }

    /** Interrupts the calls still running and waits up to 5 s for the threads to end. */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "Some chat-tool threads did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
