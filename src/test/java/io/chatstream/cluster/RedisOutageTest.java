package io.chatstream.cluster;

import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.cluster.RedisEventLogTest.CountingReader;
import io.chatstream.config.ChatConfig;
import io.chatstream.config.Settings;
import io.chatstream.event.ChatEvent;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.stream.ChatStream;
import io.chatstream.stream.SecretMasker;
import io.chatstream.stream.StreamObserver;
import io.chatstream.stream.StreamRegistry;
import io.chatstream.testing.Await;
import io.chatstream.time.ManualScheduler;
import io.chatstream.time.Ticker;
import io.chatstream.tools.ServerTools;
import io.lettuce.core.StreamMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static io.chatstream.cluster.SharedLogFixture.T;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A Redis outage longer than {@code chat.cluster.outage-seconds}, with a real {@code redis-server} stopped and
 * started again: the owner ends its running stream with {@code error} / {@code internal} and writes that end to Redis
 * once it is back; a reader on another node, following the stream from Redis, gets the same end after the same
 * bound; new replies work once Redis is back. Once on a hand-driven clock, to the nanosecond (and shorter outages end
 * nothing), once in real time with a bound of 2 s.
 */
@Timeout(90)
class RedisOutageTest {

    /** The other node reads the streams it follows this often, so it sees the outage as soon as the owner. */
    private static final Duration POLL = Duration.ofMillis(5);

    @BeforeAll
    static void redisInstalled() {
        assumeTrue(RedisServer.available() || System.getenv("CI") != null, "redis-server is not installed");
    }

    /** A backend whose replies the test writes, through the sink of each. */
    private static final class Replies implements ChatBackend {
        final List<ChatSink> sinks = new CopyOnWriteArrayList<>();

        @Override
        public io.chatstream.backend.Generation start(ChatRequest request, ChatSink sink) {
            sinks.add(sink);
            return () -> { };
        }

        @Override
        public String defaultModel() {
            return "m";
        }
    }

    /**
     * Two nodes on the fixture's Redis, each with its own connection: the owner runs streams through a registry
     * whose logs go to Redis, the other follows them from there.
     */
    private static final class Nodes implements AutoCloseable {
        final RedisConnection ownerRedis;
        final RedisConnection otherRedis;
        final RedisEventLogs logs;
        final RemoteStreams other;
        final Replies backend = new Replies();
        final StreamRegistry registry;

        Nodes(SharedLogFixture f, ScheduledExecutorService scheduler, Ticker ticker, Duration outage) {
            RedisUrl url = RedisUrl.parse(f.server.url());
            ownerRedis = RedisConnection.open(url, scheduler, ticker, outage);
            otherRedis = RedisConnection.open(url, scheduler, ticker, outage);
            logs = new RedisEventLogs(ownerRedis, "owner", scheduler, Duration.ofMinutes(1), Duration.ofMinutes(10));
            other = new RemoteStreams(otherRedis, "other", scheduler, POLL);
            registry = new StreamRegistry(ChatConfig.load(Settings.of(Map.of())), backend, "m", scheduler,
                    StreamObserver.NONE, SecretMasker.NONE, ServerTools.NONE, logs, ticker);
        }

        ChatStream open(String text) throws Exception {
            return registry.open(ChatRequest.of(text), "client", null, null);
        }

        ChatSink sink() {
            return backend.sinks.get(backend.sinks.size() - 1);
        }

        @Override
        public void close() {
            registry.shutdown();
            other.close();
            logs.close();
            otherRedis.close();
            ownerRedis.close();
        }
    }

    /** The events Redis holds for stream {@code id}, as JSON. */
    private static List<String> inRedis(SharedLogFixture f, String id) {
        List<String> json = new ArrayList<>();
        for (StreamMessage<String, String> e : f.entries(id)) {
            json.add(e.getBody().get("j"));
        }
        return json;
    }

    private static String json(RemoteStream s, int seq) {
        return new String(s.json(seq), StandardCharsets.UTF_8);
    }

    /** Runs what falls due on {@code clock}, moving it 5 ms a turn (half a flush tick), until {@code condition}. */
    private static boolean pump(ManualScheduler clock, BooleanSupplier condition) {
        return Await.until(T, () -> {
            clock.advance(Duration.ofMillis(5));
            return condition.getAsBoolean();
        });
    }

    private static void advanceTo(ManualScheduler clock, long nanoTime) {
        clock.advance(Duration.ofNanos(Math.max(0, nanoTime - clock.nanoTime())));
    }

    @Test
    void onAHandDrivenClockTheBoundIsExactAndTheOwnersEndReachesRedisWhenItReturns() throws Exception {
        Duration bound = Duration.ofSeconds(30);
        ManualScheduler clock = new ManualScheduler();
        try (SharedLogFixture f = new SharedLogFixture(); Nodes n = new Nodes(f, clock, clock, bound)) {
            assertTrue(pump(clock, () -> !n.ownerRedis.isDown() && !n.otherRedis.isDown()), "connected");
            ChatStream stream = n.open("hello");
            String id = stream.id();
            assertTrue(pump(clock, () -> !n.backend.sinks.isEmpty()), "the reply started");
            n.sink().chunk("one");
            assertTrue(pump(clock, () -> inRedis(f, id).size() == 2), "written");
            CompletableFuture<RemoteStream> followed = n.other.follow(id).toCompletableFuture();
            assertTrue(pump(clock, followed::isDone));
            RemoteStream remote = followed.get();
            AtomicInteger wakes = new AtomicInteger();
            assertTrue(remote.attach(new CountingReader(wakes)));
            assertEquals(2, remote.lastSeq());

            f.server.stop();
            n.sink().chunk("two");
            n.sink().chunk("three");
            // answers that came before the stop may still wait on the clock and be taken for Redis' return: the
            // outage counts from the first failure after the last of them
            assertTrue(pump(clock, () -> n.ownerRedis.isDown() && n.otherRedis.isDown()), "the outage is seen");
            long ownerOut = n.ownerRedis.downSince() + bound.toNanos();
            long otherOut = n.otherRedis.downSince() + bound.toNanos();
            advanceTo(clock, Math.min(ownerOut, otherOut) - 1);
            assertFalse(stream.isTerminated(), "an outage within the bound ends nothing");
            assertFalse(remote.isTerminated());
            assertFalse(n.ownerRedis.isOut());

            advanceTo(clock, ownerOut);
            assertTrue(n.ownerRedis.isOut());
            ChatEvent.Error end = assertInstanceOf(ChatEvent.Error.class, stream.terminal(), "the owner ends it");
            assertEquals(ErrorCode.INTERNAL, end.code());
            assertTrue(end.message().contains("Redis") && end.message().contains("30 s"), end.message());
            assertEquals(5, stream.lastSeq(), "start, one, two, three, error");
            assertEquals(otherOut <= ownerOut, remote.isTerminated());
            advanceTo(clock, otherOut);
            assertTrue(remote.isTerminated(), "so does the other node, after the same bound");
            assertEquals(3, remote.lastSeq(), "right after the last event it read");
            String otherEnd = json(remote, 3);
            assertTrue(otherEnd.contains("\"type\":\"error\"") && otherEnd.contains("\"code\":\"internal\"")
                    && otherEnd.contains(end.message()), otherEnd);
            assertTrue(wakes.get() > 0, "its reader was woken for it");

            f.server.restart();
            // the owner's writes, tried again every 250 ms, take its end to Redis, with the end marker
            assertTrue(pump(clock, () -> String.valueOf(stream.lastSeq()).equals(
                    f.probe.hget(StreamKeys.meta(id), StreamKeys.END))), "the end is in Redis");
            List<String> written = inRedis(f, id);
            assertEquals(5, written.size(), written.toString());
            assertTrue(written.get(4).contains("\"code\":\"internal\""), written.get(4));
            assertFalse(n.ownerRedis.isOut(), "Redis answers again");
            // each node reconnects on its own back-off; until the other's does, its reads are refused at once
            assertTrue(pump(clock, () -> !n.otherRedis.isDown()), "the other node answers again too");

            // a new reply works, and is read on the other node
            ChatStream next = n.open("after");
            assertTrue(pump(clock, () -> n.backend.sinks.size() == 2), "the reply started");
            n.sink().chunk("back");
            n.sink().end(FinishReason.STOP, null);
            CompletableFuture<RemoteStream> again = new CompletableFuture<>();
            assertTrue(pump(clock, () -> f.probe.hget(StreamKeys.meta(next.id()), StreamKeys.END) != null));
            n.other.follow(next.id()).whenComplete((s, t) -> {
                if (t != null) {
                    again.completeExceptionally(t);
                } else {
                    again.complete(s);
                }
            });
            assertTrue(pump(clock, again::isDone), "followed");
            RemoteStream read = again.join();
            assertNotNull(read, "found in Redis");
            assertTrue(pump(clock, read::isTerminated), "followed to its end");
            assertEquals(3, read.lastSeq());
            assertTrue(json(read, 2).contains("back"));
        }
    }

    @Test
    void aRealOutageLongerThanTwoSecondsEndsTheStreamsWithInternalAndTheNodesRecover() throws Exception {
        Duration bound = Duration.ofSeconds(2);
        try (SharedLogFixture f = new SharedLogFixture();
             Nodes n = new Nodes(f, f.scheduler, Ticker.SYSTEM, bound)) {
            assertTrue(Await.until(T, () -> !n.ownerRedis.isDown() && !n.otherRedis.isDown()), "connected");
            ChatStream stream = n.open("hello");
            assertTrue(Await.until(T, () -> !n.backend.sinks.isEmpty()), "the reply started");
            n.sink().chunk("one");
            assertTrue(Await.until(T, () -> inRedis(f, stream.id()).size() == 2), "written");
            RemoteStream remote = n.other.follow(stream.id()).toCompletableFuture().get(20, TimeUnit.SECONDS);
            assertTrue(remote.attach(new CountingReader(new AtomicInteger())));

            long stopped = System.nanoTime();
            f.server.stop();
            n.sink().chunk("two");
            assertTrue(Await.until(T, () -> stream.isTerminated() && remote.isTerminated()), "both end");
            assertTrue(System.nanoTime() - stopped >= bound.toNanos(), "not before the bound");
            ChatEvent.Error end = assertInstanceOf(ChatEvent.Error.class, stream.terminal());
            assertEquals(ErrorCode.INTERNAL, end.code());
            assertTrue(json(remote, remote.lastSeq()).contains("\"code\":\"internal\""));

            f.server.restart();
            assertTrue(Await.until(T, () -> String.valueOf(stream.lastSeq()).equals(
                    f.probe.hget(StreamKeys.meta(stream.id()), StreamKeys.END))), "the owner's end is in Redis");
            assertTrue(inRedis(f, stream.id()).get(stream.lastSeq() - 1).contains("\"code\":\"internal\""));

            ChatStream next = n.open("after");
            assertTrue(Await.until(T, () -> n.backend.sinks.size() == 2), "a new reply starts");
            n.sink().chunk("back");
            n.sink().end(FinishReason.STOP, null);
            assertTrue(Await.until(T, () -> f.probe.hget(StreamKeys.meta(next.id()), StreamKeys.END) != null),
                    "and is written to Redis");
            assertTrue(Await.until(T, () -> !n.otherRedis.isDown()), "the other node answers again too");
            RemoteStream read = n.other.follow(next.id()).toCompletableFuture().get(20, TimeUnit.SECONDS);
            assertTrue(Await.until(T, read::isTerminated), "and read on the other node to its end");
            assertEquals(3, read.lastSeq());
        }
    }
}
