package io.chatstream.tools;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pool for tools that block: its own named daemon threads, a bounded queue, interruption on cancel. */
class BlockingToolPoolTest {

    @Test
    void aFullQueueIsAnErrorResultAndACancelInterrupts() throws Exception {
        try (BlockingToolPool pool = new BlockingToolPool(1, 1)) {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch interrupted = new CountDownLatch(1);
            String[] thread = new String[2];
            ToolCallContext first = new ToolCallContext("c1", "{}", null);
            pool.submit(first, () -> {
                thread[0] = Thread.currentThread().getName();
                thread[1] = String.valueOf(Thread.currentThread().isDaemon());
                running.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
                return "never read";
            });
            assertTrue(running.await(10, TimeUnit.SECONDS));
            CompletableFuture<String> queued = pool.submit(new ToolCallContext("c2", "{}", null), () -> "second")
                    .toCompletableFuture();
            String refused = pool.submit(new ToolCallContext("c3", "{}", null), () -> "third")
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals("error: too many tool calls are waiting; try again later", refused);

            first.cancel();
            assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the blocked call was interrupted");
            assertEquals("second", queued.get(10, TimeUnit.SECONDS), "the queued one runs next");
            assertTrue(thread[0].startsWith("chat-tool-"), thread[0]);
            assertEquals("true", thread[1], "daemon threads");
        }
    }
}
