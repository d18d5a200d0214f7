package io.chatstream.app;

import io.chatstream.config.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Isolated: the last test looks at every thread of the JVM, which other test classes would add to. */
@Isolated
class PoolThreadsTest {

    @Test
    void joinWaitsForThreadsThatOutliveTheirTerminatedPool() throws Exception {
        // each thread goes on for a second after its worker loop returned, as a thread does while it exits
        // (shutdownNow interrupts the workers: the second is waited out regardless)
        PoolThreads threads = new PoolThreads(task -> new Thread(() -> {
            task.run();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            for (long left; (left = end - System.nanoTime()) > 0; ) {
                try {
                    TimeUnit.NANOSECONDS.sleep(left);
                } catch (InterruptedException e) {
                    // still exiting
                }
            }
        }, "pool-thread-test"));
        ExecutorService pool = Executors.newFixedThreadPool(2, threads);
        CountDownLatch ran = new CountDownLatch(2);
        pool.execute(ran::countDown);
        pool.execute(ran::countDown);
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS));
        assertTrue(alive("pool-thread-test") > 0, "terminated, yet its threads are still running");

        assertTrue(threads.join(System.nanoTime() + TimeUnit.SECONDS.toNanos(5)));
        assertEquals(0, alive("pool-thread-test"));
    }

    @Test
    void joinGivesUpAtTheDeadline() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        PoolThreads threads = new PoolThreads(task -> new Thread(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "pool-thread-stuck"));
        threads.newThread(() -> { }).start();
        long t0 = System.nanoTime();
        assertFalse(threads.join(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200)));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(200));
        release.countDown();
        assertTrue(threads.join(System.nanoTime() + TimeUnit.SECONDS.toNanos(5)));
    }

    @Test
    void closingTheApplicationLeavesNoneOfItsThreads() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        ChatApplication app = ChatApplication.start(Settings.of(Map.of("chat.demo.tokens-per-second", "1000",
                "chat.store.url", "off")),
                List.of(), getClass().getClassLoader());
        app.backendContext().httpClient(); // the HTTP client's pool and selector too
        CountDownLatch ran = new CountDownLatch(1);
        app.scheduler().execute(ran::countDown);
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        app.close();
        List<String> left = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive() && t.getName().startsWith("chat-"))
                .map(Thread::getName).toList();
        assertEquals(List.of(), left, "threads left after close");
    }

    private static long alive(String namePrefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(namePrefix) && t.isAlive()).count();
    }
}
