package io.chatstream.cluster;

import io.chatstream.testing.Await;
import io.chatstream.cluster.StreamDirectory.Registration;
import io.chatstream.cluster.StreamDirectory.Registration.Outcome;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two directories (two nodes), each with its own Redis connection, sharing one real {@code redis-server}: what one
 * registers the other finds; an {@code Idempotency-Key} has one holder however the repeats race; the per-client
 * limit counts both nodes and frees a crashed node's streams with its lease; a stop asked on one node reaches the
 * owner by message and by flag; ended streams expire; a Redis restart costs the owner nothing it keeps running.
 */
@Timeout(60)
class RedisStreamDirectoryTest {

    private static final Duration T = Duration.ofSeconds(10);
    private static final ClusterSettings ONE_SECOND_LEASE = new ClusterSettings(Duration.ofSeconds(1), Duration.ZERO,
            Duration.ofSeconds(30));
    private static final AtomicInteger IDS = new AtomicInteger();

    private static RedisServer redis;
    private static ScheduledExecutorService scheduler;
    /** Commands of the test's own, to look at the keys. */
    private static RedisConnection raw;
    private final List<RedisStreamDirectory> directories = new ArrayList<>();
    private final List<RedisConnection> connections = new ArrayList<>();

    @BeforeAll
    static void startRedis() throws Exception {
        assumeTrue(RedisServer.available() || System.getenv("CI") != null, "redis-server is not installed");
        redis = RedisServer.start();
        scheduler = Executors.newScheduledThreadPool(2);
        raw = RedisConnection.open(RedisUrl.parse(redis.url()), scheduler);
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (raw != null) {
            raw.close();
            scheduler.shutdownNow();
            redis.close();
        }
    }

    @BeforeEach
    void emptyRedis() {
        assertTrue(Await.until(T, () -> {
            RedisAsyncCommands<String, String> c = raw.async();
            return c != null && c.flushall().toCompletableFuture().handle((ok, t) -> t == null).join();
        }), "Redis answers");
    }

    /** The nodes stop as a crash would, their connections in parallel: each waits for its threads to end. */
    @AfterEach
    void stopNodes() throws Exception {
        directories.forEach(RedisStreamDirectory::close);
        List<Thread> closing = new ArrayList<>();
        for (RedisConnection c : connections) {
            Thread t = new Thread(c::close);
            t.start();
            closing.add(t);
        }
        for (Thread t : closing) {
            t.join();
        }
    }

    private RedisConnection connect() {
        RedisConnection c = RedisConnection.open(RedisUrl.parse(redis.url()), scheduler);
        connections.add(c);
        assertTrue(Await.until(T, () -> c.async() != null), "connected");
        return c;
    }

    private RedisStreamDirectory node(String name, Duration retain) {
        return node(name, retain, RedisStreamDirectory.STOP_CHECK);
    }

    private RedisStreamDirectory node(String name, Duration retain, Duration stopCheck) {
        RedisStreamDirectory d = RedisStreamDirectory.start(connect(), name, ONE_SECOND_LEASE, retain, scheduler,
                stopCheck);
        directories.add(d);
        assertTrue(Await.until(T, () -> isTrue(raw.async().exists(RedisStreamDirectory.leaseKey(name)), 1L)),
                "the lease of " + name);
        return d;
    }

    private static boolean isTrue(CompletionStage<Long> n, long expected) {
        return get(n) == expected;
    }

    private static <T> T get(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The condition, false while a connection is still on its way back. */
    private static boolean once(BooleanSupplier condition) {
        try {
            return condition.getAsBoolean();
        } catch (AssertionError notYet) {
            return false;
        }
    }

    private static String newId() {
        return "s" + IDS.incrementAndGet();
    }

    private static Registration register(StreamDirectory d, String client, String key, String fingerprint, int max) {
        return get(d.register(StreamFacts.running(newId(), d.node(), "alice", client, "demo", fingerprint), key, max));
    }

    private RedisAsyncCommands<String, String> redisCommands() {
        return raw.async();
    }

    @Test
    void whatOneNodeRegistersEveryNodeFinds() {
        StreamDirectory a = node("a", Duration.ofMinutes(5));
        StreamDirectory b = node("b", Duration.ofMinutes(5));
        Registration r = register(a, "10.0.0.1", null, "f1", 8);
        assertEquals(Outcome.REGISTERED, r.outcome());

        StreamFacts seen = get(b.find(r.streamId())).orElseThrow();
        assertEquals(StreamFacts.running(r.streamId(), "a", "alice", "10.0.0.1", "demo", "f1"), seen);
        assertEquals(Optional.empty(), get(b.find("no-such-stream")));

        StreamFacts anonymous = StreamFacts.running(newId(), "a", null, "10.0.0.2", null, null);
        assertEquals(Outcome.REGISTERED, get(a.register(anonymous, null, 8)).outcome());
        assertEquals(anonymous, get(b.find(anonymous.id())).orElseThrow());
        assertThrows(IllegalArgumentException.class,
                () -> b.register(StreamFacts.running(newId(), "a", null, "c", null, null), null, 8));
    }

    @Test
    void anIdempotencyKeyIsHeldByOneStreamOfTheClientOnEveryNode() {
        StreamDirectory a = node("a", Duration.ofMinutes(5));
        StreamDirectory b = node("b", Duration.ofMinutes(5));
        Registration first = register(a, "client", "key-1", "f1", 8);
        assertEquals(Outcome.REGISTERED, first.outcome());

        Registration same = register(b, "client", "key-1", "f1", 8);
        assertEquals(new Registration(Outcome.EXISTING, first.streamId(), "f1"), same);
        assertTrue(same.sameRequest("f1"));
        Registration other = register(b, "client", "key-1", "f2", 8);
        assertEquals(first.streamId(), other.streamId());
        assertFalse(other.sameRequest("f2"), "a different request with the key: 422");
        assertEquals(Optional.of(same), get(b.findByIdempotencyKey("client", "key-1")));
        assertEquals(Optional.empty(), get(b.findByIdempotencyKey("client", "key-2")));
        assertEquals(Optional.empty(), get(b.findByIdempotencyKey("another client", "key-1")));

        // the refused registrations counted nothing and left no facts
        assertEquals(1L, get(redisCommands().zcard(RedisStreamDirectory.runningKey("client"))));
        assertEquals(Set.of(RedisStreamDirectory.leaseKey("a"), RedisStreamDirectory.leaseKey("b"),
                RedisStreamDirectory.factsKey(first.streamId()), RedisStreamDirectory.runningKey("client"),
                RedisStreamDirectory.idemKey("client", "key-1")), Set.copyOf(get(redisCommands().keys("*"))));

        assertEquals(Outcome.REGISTERED, register(b, "another client", "key-1", "f2", 8).outcome());
    }

    @Test
    void racingRegistrationsOfOneKeyHaveExactlyOneWinner() {
        StreamDirectory a = node("a", Duration.ofMinutes(5));
        StreamDirectory b = node("b", Duration.ofMinutes(5));
        List<CompletionStage<Registration>> racing = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            StreamDirectory d = i % 2 == 0 ? a : b;
            racing.add(d.register(StreamFacts.running(newId(), d.node(), null, "client", "demo", "f" + i), "key",
                    100));
        }
        List<Registration> answers = racing.stream().map(RedisStreamDirectoryTest::get).toList();
        List<Registration> won = answers.stream().filter(r -> r.outcome() == Outcome.REGISTERED).toList();
        assertEquals(1, won.size(), answers.toString());
        Registration winner = won.get(0);
        for (Registration r : answers) {
            if (r != winner) {
                assertEquals(new Registration(Outcome.EXISTING, winner.streamId(), winner.fingerprint()), r);
            }
        }
        assertEquals(1L, get(redisCommands().zcard(RedisStreamDirectory.runningKey("client"))));
        assertTrue(get(a.find(winner.streamId())).isPresent());
    }

    @Test
    void theClientLimitCountsEveryNodeAndAnEndFreesItsPlace() {
        StreamDirectory a = node("a", Duration.ofMinutes(5));
        StreamDirectory b = node("b", Duration.ofMinutes(5));
        Registration one = register(a, "client", null, null, 2);
        assertEquals(Outcome.REGISTERED, one.outcome());
        assertEquals(Outcome.REGISTERED, register(b, "client", null, null, 2).outcome());
        assertEquals(Outcome.TOO_MANY_FOR_CLIENT, register(a, "client", null, null, 2).outcome());
        assertEquals(Outcome.TOO_MANY_FOR_CLIENT, register(b, "client", "key", null, 2).outcome());
        assertEquals(Optional.empty(), get(a.findByIdempotencyKey("client", "key")), "a refused one claims nothing");
        assertEquals(Outcome.REGISTERED, register(b, "another client", null, null, 2).outcome());

        get(a.ended(one.streamId()));
        assertEquals(StreamFacts.State.ENDED, get(b.find(one.streamId())).orElseThrow().state());
        assertEquals(Outcome.REGISTERED, register(b, "client", null, null, 2).outcome());
        assertEquals(Outcome.TOO_MANY_FOR_CLIENT, register(a, "client", null, null, 2).outcome());
    }

    @Test
    void aCrashedNodesStreamsAreFreedAndItsReadersToldWithinItsLease() throws Exception {
        RedisStreamDirectory a = node("a", Duration.ofMinutes(5));
        StreamDirectory b = node("b", Duration.ofMinutes(5));
        Registration one = register(a, "client", null, null, 2);
        Registration two = register(a, "client", null, null, 2);
        assertEquals(Outcome.REGISTERED, two.outcome());
        // more renewals than a lease lasts: a running owner keeps its place
        long renewedUntil = System.nanoTime() + Duration.ofMillis(2500).toNanos();
        assertTrue(Await.until(T, () -> System.nanoTime() > renewedUntil));
        assertEquals(Outcome.TOO_MANY_FOR_CLIENT, register(b, "client", null, null, 2).outcome());
        assertTrue(get(b.isAlive("a")));
        assertFalse(get(b.ownerGone(one.streamId())));

        // a crash: nothing is written, the renewals stop
        long crashed = System.nanoTime();
        a.close();
        assertTrue(Await.until(T, () -> !get(b.isAlive("a"))));
        assertTrue(Await.until(T, () -> get(b.ownerGone(one.streamId())) && get(b.ownerGone(two.streamId()))));
        assertTrue(Await.until(T, () -> register(b, "client", null, null, 2).outcome() == Outcome.REGISTERED));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashed);
        assertTrue(took < 2000, "within the lease of 1 s and a little: " + took + " ms");
        assertTrue(get(b.ownerGone("no-such-stream")), "its facts are gone");
    }

    @Test
    void aStopAskedOnAnotherNodeReachesTheOwnerByMessageOnce() throws Exception {
        // the flags are read once an hour here: only the message can tell the owner in time
        StreamDirectory a = node("a", Duration.ofMinutes(5), Duration.ofHours(1));
        StreamDirectory b = node("b", Duration.ofMinutes(5));
        BlockingQueue<String> stops = new LinkedBlockingQueue<>();
        a.addStopListener(stops::add);
        Registration r = register(a, "client", null, null, 8);
        assertTrue(Await.until(T, () -> isTrue(redisCommands().pubsubNumsub("chat:stop:a")
                .thenApply(m -> m.get("chat:stop:a")), 1L)), "subscribed");

        long asked = System.nanoTime();
        assertTrue(get(b.requestStop(r.streamId())));
        assertEquals(r.streamId(), stops.poll(5, TimeUnit.SECONDS));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked) < 1000);
        assertTrue(get(a.find(r.streamId())).orElseThrow().stopRequested());

        assertTrue(get(b.requestStop(r.streamId())), "asked again while it still runs");
        get(a.ended(r.streamId()));
        assertFalse(get(b.requestStop(r.streamId())), "it ended");
        assertFalse(get(b.requestStop("no-such-stream")));
        assertNull(stops.poll(300, TimeUnit.MILLISECONDS), "told once");
    }

    @Test
    void aStopWhoseMessageWasMissedIsSeenFromItsFlagWithinASecond() throws Exception {
        StreamDirectory a = node("a", Duration.ofMinutes(5));
        BlockingQueue<String> stops = new LinkedBlockingQueue<>();
        a.addStopListener(stops::add);
        Registration r = register(a, "client", null, null, 8);
        Registration other = register(a, "client", null, null, 8);

        // the flag as requestStop writes it, without the message
        long asked = System.nanoTime();
        get(redisCommands().hset(RedisStreamDirectory.factsKey(r.streamId()), "stop", "1"));
        assertEquals(r.streamId(), stops.poll(5, TimeUnit.SECONDS));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked) < 1000);
        assertNull(stops.poll(1200, TimeUnit.MILLISECONDS), "told once, and nothing of " + other.streamId());
    }

    /** More streams than one call carries: the stop flags are read, and the streams renewed, in several calls. */
    @Test
    void withMoreStreamsThanOneCallCarriesEveryStreamIsRenewedAndEveryFlagSeen() throws Exception {
        int n = Math.max(RedisStreamDirectory.TOUCH_PER_CALL, RedisStreamDirectory.STOP_FLAGS_PER_CALL) + 44;
        RedisStreamDirectory a = node("a", Duration.ofMinutes(5));
        BlockingQueue<String> stops = new LinkedBlockingQueue<>();
        a.addStopListener(stops::add);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(register(a, "client-" + (i % 7), null, null, n).streamId());
        }
        // Redis loses every stream's facts: each renewal call finds its streams gone and writes them back
        for (String id : ids) {
            get(redisCommands().del(RedisStreamDirectory.factsKey(id)));
        }
        assertTrue(Await.until(T, () -> ids.stream().allMatch(id ->
                get(redisCommands().exists(RedisStreamDirectory.factsKey(id))) == 1)), "every stream written back");
        for (String id : ids) {
            assertEquals(StreamFacts.State.RUNNING, get(a.find(id)).orElseThrow().state(), id);
        }

        // the flags as requestStop writes them, without the messages: every one is seen, each once
        for (String id : ids) {
            get(redisCommands().hset(RedisStreamDirectory.factsKey(id), "stop", "1"));
        }
        Set<String> seen = new HashSet<>();
        assertTrue(Await.until(T, () -> {
            stops.drainTo(seen);
            return seen.size() == n;
        }), "stops seen: " + seen.size() + " of " + n);
        assertEquals(Set.copyOf(ids), seen);
    }

    @Test
    void everyKeyHasATimeToLiveAndEndedStreamsExpireAfterRetention() throws Exception {
        StreamDirectory a = node("a", Duration.ofSeconds(1));
        StreamDirectory b = node("b", Duration.ofSeconds(1));
        Registration r = register(a, "client", "key", "f1", 8);
        for (String key : get(redisCommands().keys("*"))) {
            long ttl = get(redisCommands().pttl(key));
            assertTrue(ttl > 0 && ttl <= 2000, key + " lives " + ttl + " ms");
        }

        get(a.ended(r.streamId()));
        assertEquals(StreamFacts.State.ENDED, get(b.find(r.streamId())).orElseThrow().state());
        assertTrue(get(b.findByIdempotencyKey("client", "key")).isPresent(), "kept while retained");
        assertTrue(Await.until(T, () -> get(b.find(r.streamId())).isEmpty()));
        assertTrue(Await.until(T, () -> get(b.findByIdempotencyKey("client", "key")).isEmpty()));
        assertEquals(Outcome.REGISTERED, register(b, "client", "key", "f2", 8).outcome(), "the key is free again");

        RedisStreamDirectory unretained = node("c", Duration.ZERO);
        Registration gone = register(unretained, "client", "key-0", null, 8);
        get(unretained.ended(gone.streamId()));
        assertEquals(Optional.empty(), get(b.find(gone.streamId())), "no retention: gone at the end");
        assertEquals(Optional.empty(), get(b.findByIdempotencyKey("client", "key-0")));
    }

    @Test
    void withRedisAwayCallsFailPromptlyAndAfterItsRestartTheOwnerWritesBackWhatItRuns() throws Exception {
        // the flags are read once an hour here: a stop after the restart comes through the subscription, renewed
        RedisStreamDirectory a = node("a", Duration.ofMinutes(5), Duration.ofHours(1));
        BlockingQueue<String> stops = new LinkedBlockingQueue<>();
        a.addStopListener(stops::add);
        StreamDirectory b = node("b", Duration.ofMinutes(5));
        Registration running = register(a, "client", "key", "f1", 2);
        Registration ending = register(a, "client", null, null, 2);
        assertEquals(Outcome.REGISTERED, ending.outcome());

        redis.stop();
        long from = System.nanoTime();
        for (CompletionStage<?> call : List.of(b.find(running.streamId()), b.isAlive("a"),
                a.register(StreamFacts.running(newId(), "a", null, "client", null, null), null, 2),
                b.findByIdempotencyKey("client", "key"), b.requestStop(running.streamId()),
                a.ended(ending.streamId()))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> call.toCompletableFuture().get(5, TimeUnit.SECONDS));
            assertInstanceOf(ClusterUnavailableException.class, e.getCause());
        }
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - from);
        assertTrue(took < 2000, "prompt: " + took + " ms");

        // no persistence: the restarted Redis knows nothing until the owner writes it back
        redis.restart();
        assertTrue(Await.until(T, () -> once(() -> get(b.isAlive("a"))
                && get(b.find(running.streamId())).isPresent())));
        assertEquals(StreamFacts.running(running.streamId(), "a", "alice", "client", "demo", "f1"),
                get(b.find(running.streamId())).orElseThrow());
        assertEquals(Optional.of(new Registration(Outcome.EXISTING, running.streamId(), "f1")),
                get(b.findByIdempotencyKey("client", "key")));
        assertEquals(Optional.empty(), get(b.find(ending.streamId())), "its end was kept; nothing written back");
        assertTrue(Await.until(T, () -> once(() -> get(redisCommands().zcard(RedisStreamDirectory.runningKey(
                "client"))) == 1L)), "the running one counts, the ended one not");
        assertEquals(Outcome.REGISTERED, register(b, "client", null, null, 2).outcome());
        assertEquals(Outcome.TOO_MANY_FOR_CLIENT, register(b, "client", null, null, 2).outcome());

        assertTrue(Await.until(T, () -> once(() -> isTrue(redisCommands().pubsubNumsub("chat:stop:a")
                .thenApply(m -> m.get("chat:stop:a")), 1L))), "subscribed again");
        assertTrue(get(b.requestStop(running.streamId())));
        assertEquals(running.streamId(), stops.poll(5, TimeUnit.SECONDS));
    }
}
