package io.chatstream.cluster;

import io.chatstream.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The node's Redis connection against a real {@code redis-server}: it never holds up its caller, finds Redis when it
 * comes later, logs an outage once and the return once, and leaves no thread behind.
 */
@Timeout(60)
class RedisConnectionTest {

    private LoggedLines logged;
    private ScheduledExecutorService scheduler;

    @BeforeAll
    static void redisInstalled() {
        assumeTrue(RedisServer.available() || System.getenv("CI") != null, "redis-server is not installed");
    }

    @BeforeEach
    void setUp() {
        logged = new LoggedLines(RedisConnection.class);
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void tearDown() {
        logged.close();
        scheduler.shutdownNow();
    }

    private long lines(String text) {
        return logged.count(text);
    }

    private static List<String> redisThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("lettuce") || n.contains("nioEventLoop") || n.contains("EventLoop"))
                .toList();
    }

    /**
     * A thread of the pool that runs this test: a blocking wait on it (the {@code get} of a reply) may add a worker
     * to that pool, which is the test runner's, not the client's.
     */
    private static boolean runsTheTests(Thread t) {
        return Thread.currentThread() instanceof ForkJoinWorkerThread runner && t instanceof ForkJoinWorkerThread w
                && w.getPool() == runner.getPool();
    }

    @Test
    void commandsGoThroughAndCloseLeavesNoThread() throws Exception {
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (RedisServer redis = RedisServer.start()) {
            RedisConnection c = RedisConnection.open(RedisUrl.parse(redis.url()), scheduler);
            assertTrue(Await.until(Duration.ofSeconds(10), () -> c.async() != null), "connected");
            assertEquals("PONG", c.async().ping().get(5, TimeUnit.SECONDS), logged::toString);
            assertFalse(redisThreads().isEmpty(), "Lettuce runs its event loops while open");
            c.close();
            assertEquals(List.of(), redisThreads(), "every Lettuce thread ended by the end of close()");
            // on the JVM's class path, as here, close() does not wait for Netty's global executor, whose thread ends
            // a second after it fell idle (in a webapp it does wait: the container would report that thread)
            java.util.function.Supplier<List<String>> others = () -> Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> !before.contains(t) && !t.getName().startsWith("redis-server-output")
                            && !t.getName().startsWith("process reaper") && !runsTheTests(t))
                    .map(Thread::getName).toList();
            assertTrue(others.get().stream().allMatch(n -> n.startsWith("globalEventExecutor")), others.get()::toString);
            assertTrue(Await.until(Duration.ofSeconds(10), () -> others.get().isEmpty()),
                    "nor any other thread the client started: " + others.get());
            assertNull(c.async());
        }
    }

    /**
     * Opening and subscribing run on a container's thread (the webapp's start), which outlives the webapp: Netty's
     * thread-locals left there hold the webapp's classes, and Tomcat reports each as a leak when the webapp stops.
     */
    @Test
    void openingAndSubscribingLeaveNothingOfNettyOnTheCallersThread() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            RedisConnection[] c = new RedisConnection[1];
            assertFalse(leavesNettyLocals(() -> c[0] = RedisConnection.open(RedisUrl.parse(redis.url()), scheduler)),
                    "open");
            try {
                assertTrue(Await.until(Duration.ofSeconds(10), () -> c[0].async() != null), "connected");
                java.util.concurrent.CompletableFuture<?>[] pubSub = new java.util.concurrent.CompletableFuture<?>[1];
                assertFalse(leavesNettyLocals(() -> pubSub[0] = c[0].connectPubSub()), "connectPubSub");
                ((io.lettuce.core.pubsub.StatefulRedisPubSubConnection<?, ?>) pubSub[0].get(5, TimeUnit.SECONDS))
                        .close();
            } finally {
                c[0].close();
            }
        }
    }

    /** Whether {@code action}, run on a plain thread of its own, leaves Netty's thread-local map on that thread. */
    private static boolean leavesNettyLocals(Runnable action) throws Exception {
        java.util.concurrent.CompletableFuture<Boolean> left = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                action.run();
                left.complete(io.netty.util.internal.InternalThreadLocalMap.getIfSet() != null);
            } catch (RuntimeException e) {
                left.completeExceptionally(e);
            }
        }, "container-thread");
        t.start();
        return left.get(10, TimeUnit.SECONDS);
    }

    /**
     * On a loaded machine the first attempt may time out before Redis or its TLS handshake could refuse anything:
     * what the operator must fix, said by a later attempt, is still logged (once), not hidden by the first line.
     */
    @Test
    void aSettingToFixIsSaidEvenWhenTheOutageBeganWithATimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            RedisConnection c = RedisConnection.open(RedisUrl.parse("redis://127.0.0.1:" + silent.getLocalPort()),
                    scheduler);
            assertTrue(Await.until(Duration.ofSeconds(10), () -> lines("cannot be reached") == 1),
                    logged::toString);
            Exception wrongPassword = new IllegalStateException("connect failed",
                    new IllegalStateException("WRONGPASS invalid username-password pair or user is disabled."));
            c.failedToConnect(wrongPassword);
            c.failedToConnect(wrongPassword);
            assertEquals(1, lines("refused the user name or password of chat.cluster.redis-url"), logged::toString);
            c.close();
        }
    }

    @Test
    void openReturnsWhileRedisHasNotAnswered() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // the kernel completes the TCP handshake, and nothing ever answers the client's HELLO
            RedisConnection c = RedisConnection.open(RedisUrl.parse("redis://127.0.0.1:" + silent.getLocalPort()),
                    scheduler);
            assertNull(c.async(), "open() returned before any answer");
            assertEquals(0, lines("cannot be reached"), "and before the attempt failed");
            assertTrue(Await.until(Duration.ofSeconds(10), () -> lines("cannot be reached") == 1),
                    logged::toString);
            c.close();
            assertEquals(List.of(), redisThreads());
        }
    }

    @Test
    void anUnreachableRedisNeitherBlocksNorFloodsTheLogAndIsFoundWhenItComes() throws Exception {
        try (RedisServer redis = RedisServer.start("--requirepass", "hunter2")) {
            redis.stop();
            RedisConnection c = RedisConnection.open(RedisUrl.parse("redis://default:hunter2@127.0.0.1:"
                    + redis.port()), scheduler);
            assertNull(c.async());
            assertTrue(c.isDown());
            assertTrue(Await.until(Duration.ofSeconds(10), () -> lines("cannot be reached") == 1));
            c.failed("another failure");
            assertEquals(1, lines("cannot be reached"), "logged once per outage: " + logged);
            redis.restart();
            assertTrue(Await.until(Duration.ofSeconds(20), () -> c.async() != null), "found once it came");
            assertTrue(Await.until(Duration.ofSeconds(5), () -> lines("is back") == 1), logged::toString);
            assertFalse(c.isDown());
            assertFalse(logged.all().stream().anyMatch(l -> l.contains("hunter2")), "the password is never logged");
            assertTrue(logged.all().stream().anyMatch(l -> l.contains("redis://default:***@127.0.0.1:" + redis.port())));

            redis.stop();
            assertTrue(Await.until(Duration.ofSeconds(5), () -> lines("cannot be reached") == 2), logged::toString);
            redis.restart();
            assertTrue(Await.until(Duration.ofSeconds(20), () -> lines("is back") == 2), "reconnected by itself");
            assertNotNull(c.async().ping().get(5, TimeUnit.SECONDS));
            c.close();
            assertEquals(List.of(), redisThreads(), logged::toString);
            assertTrue(logged.all().stream().noneMatch(l -> l.startsWith(Level.SEVERE.getName())), logged.toString());
        }
    }
}
