package io.chatstream.cluster;

import io.chatstream.testing.Await;
import io.chatstream.stream.StreamReader;
import io.lettuce.core.StreamMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.chatstream.cluster.SharedLogFixture.T;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The owner's half of a shared stream against a real {@code redis-server}: events reach Redis in order, in batches,
 * each once, with the end marker and the expiry; appending never waits for Redis; an outage of seconds, with Redis
 * restarted with or without its data, loses no event and writes none twice, seen by a reader on another node.
 */
@Timeout(90)
class RedisEventLogTest {

    @BeforeAll
    static void redisInstalled() {
        assumeTrue(RedisServer.available() || System.getenv("CI") != null, "redis-server is not installed");
    }

    @Test
    void aReplyReachesRedisInOrderInAFewBatchesWithTheEndMarkerAndExpiry() throws Exception {
        try (SharedLogFixture f = new SharedLogFixture()) {
            RedisEventLogs logs = f.writer(f.node(), Duration.ofSeconds(30));
            String id = SharedLogFixture.newId();
            List<byte[]> events = SharedLogFixture.reply(id, 200);
            long publishesBefore = f.calls("publish");
            f.probe.set(StreamKeys.followed(id), "1"); // as a node that follows it marks it: the flushes notice it
            RedisEventLog log = logs.create(id);
            SharedLogFixture.writeAll(log, events);

            List<StreamMessage<String, String>> entries = f.entries(id);
            assertEquals(events.size(), entries.size());
            for (int i = 0; i < entries.size(); i++) {
                assertEquals("0-" + (i + 1), entries.get(i).getId());
                assertArrayEquals(events.get(i), entries.get(i).getBody().get("j").getBytes(StandardCharsets.UTF_8));
            }
            assertEquals(Integer.toString(events.size()), f.probe.hget(StreamKeys.meta(id), "end"));
            for (String key : new String[] {StreamKeys.events(id), StreamKeys.meta(id)}) {
                long ttl = f.probe.ttl(key);
                assertTrue(ttl > 20 && ttl <= 30, key + " expires retain-seconds after the end: " + ttl);
            }
            // one PUBLISH per flush, the end's included: 202 events appended at once are a flush or two, not 202
            long publishes = f.calls("publish") - publishesBefore;
            assertTrue(publishes >= 1 && publishes <= 10, "flushes: " + publishes);
            assertEquals(events.size(), log.written());
        }
    }

    /**
     * Streams that append in the same tick share one script call and one notice: 300 streams of 2 more events and
     * their ends, appended at once, take a few calls, not 300 (or 600 with their ends); a reader on another node,
     * told only by the shared notices (one line per stream), gets every stream whole.
     */
    @Test
    void streamsThatAppendInOneTickShareOneCallAndOneNotice() throws Exception {
        try (SharedLogFixture f = new SharedLogFixture()) {
            RedisEventLogs logs = f.writer(f.node(), Duration.ofSeconds(30));
            RemoteStreams reader = f.reader(f.node(), Duration.ofMinutes(10)); // a poll too slow to matter
            assertTrue(Await.until(T, reader::subscribed), "subscribed");
            int n = 300;
            String[] ids = new String[n];
            RedisEventLog[] written = new RedisEventLog[n];
            RemoteStream[] followed = new RemoteStream[n];
            for (int i = 0; i < n; i++) {
                ids[i] = SharedLogFixture.newId();
                written[i] = logs.create(ids[i]);
                byte[] start = SharedLogFixture.reply(ids[i], 0).get(0);
                written[i].append(start, 0, start.length);
            }
            for (int i = 0; i < n; i++) {
                int k = i;
                assertTrue(Await.until(T, () -> written[k].written() == 1), "the start is written");
                followed[i] = reader.follow(ids[i]).toCompletableFuture().get(20, TimeUnit.SECONDS);
                followed[i].attach(new CountingReader(new AtomicInteger()));
            }
            long scriptsBefore = f.calls("evalsha") + f.calls("eval");
            long publishesBefore = f.calls("publish");
            List<List<byte[]>> replies = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                List<byte[]> events = SharedLogFixture.reply(ids[i], 1);
                replies.add(events);
                for (byte[] e : events.subList(1, events.size())) {
                    written[i].append(e, 0, e.length);
                }
                written[i].ended();
            }
            for (int i = 0; i < n; i++) {
                int k = i;
                assertTrue(Await.until(T, () -> written[k].endWritten()), "the end is written");
                assertTrue(Await.until(T, () -> followed[k].isTerminated()), "the reader got the end, by a notice");
                List<byte[]> events = replies.get(i);
                assertEquals(events.size(), followed[i].lastSeq());
                for (int seq = 1; seq <= events.size(); seq++) {
                    assertArrayEquals(events.get(seq - 1), followed[i].json(seq));
                }
            }
            long scripts = f.calls("evalsha") + f.calls("eval") - scriptsBefore;
            long publishes = f.calls("publish") - publishesBefore;
            assertTrue(scripts >= 2 && scripts <= 30, "script calls for " + n + " streams: " + scripts);
            assertTrue(publishes <= scripts, "one notice per call at most: " + publishes);
        }
    }

    @Test
    void aRetainedTwoHundredTokenReplyTakesLessThan64KiBOfRedis() throws Exception {
        try (SharedLogFixture f = new SharedLogFixture()) {
            RedisEventLogs logs = f.writer(f.node(), Duration.ofSeconds(300));
            String id = SharedLogFixture.newId();
            List<byte[]> events = SharedLogFixture.reply(id, 200);
            RedisEventLog log = logs.create(id);
            SharedLogFixture.writeAll(log, events);
            long bytes = f.memoryUsage(StreamKeys.events(id)) + f.memoryUsage(StreamKeys.meta(id));
            System.out.println("Redis memory of a retained 200-token reply (" + log.bytes() + " bytes of JSON): "
                    + bytes + " bytes");
            assertTrue(bytes > log.bytes(), "every event is counted: " + bytes);
            assertTrue(bytes <= 64 * 1024, "at most 64 KiB: " + bytes);
        }
    }

    /**
     * Stops {@code redis-server} for seconds in the middle of a reply appended every 2 ms, then starts it again on
     * the same port and directory: with the append-only file the key survives and the writer goes on from its first
     * unwritten seq; without, the key is gone and the writer writes the whole log again. Either way Redis ends with
     * every event once, and a reader on another node, which followed the stream throughout, has every event once.
     */
    @ParameterizedTest(name = "persistent: {0}")
    @ValueSource(booleans = {true, false})
    void anOutageOfSecondsLosesNoEventAndWritesNoneTwice(boolean persistent) throws Exception {
        String[] options = persistent ? new String[] {"--appendonly", "yes", "--appendfsync", "always"}
                : new String[0];
        ScheduledExecutorService appender = Executors.newSingleThreadScheduledExecutor();
        try (SharedLogFixture f = new SharedLogFixture(options)) {
            RedisEventLogs logs = f.writer(f.node(), Duration.ofSeconds(30));
            RemoteStreams otherNode = f.reader(f.node(), Duration.ofMillis(500));
            String id = SharedLogFixture.newId();
            List<byte[]> events = SharedLogFixture.reply(id, 2000);
            RedisEventLog log = logs.create(id);
            AtomicInteger next = new AtomicInteger();
            AtomicLong slowestAppend = new AtomicLong();
            appender.scheduleAtFixedRate(() -> {
                int i = next.get();
                if (i >= events.size()) {
                    return;
                }
                byte[] e = events.get(i);
                long t0 = System.nanoTime();
                log.append(e, 0, e.length);
                if (i == events.size() - 1) {
                    log.ended();
                }
                slowestAppend.accumulateAndGet(System.nanoTime() - t0, Math::max);
                next.incrementAndGet();
            }, 0, 2, TimeUnit.MILLISECONDS);

            assertTrue(Await.until(T, () -> log.written() > 0));
            RemoteStream remote = otherNode.follow(id).toCompletableFuture().get(20, TimeUnit.SECONDS);
            AtomicInteger wakes = new AtomicInteger();
            assertTrue(remote.attach(new CountingReader(wakes)));
            assertTrue(Await.until(T, () -> log.written() >= 100 && remote.lastSeq() >= 100), "written before");

            f.server.stop();
            int atStop = next.get();
            // the outage lasts while the appender appends another 1000 events: two seconds or more
            assertTrue(Await.until(T, () -> next.get() >= atStop + 1000), "the appender goes on");
            int writtenDuringOutage = log.written();
            assertTrue(writtenDuringOutage <= atStop + 5, "nothing is written while Redis is away");
            f.server.restart();

            assertTrue(Await.until(Duration.ofSeconds(40), log::endWritten), "everything written after the return");
            // a wait for Redis would take its command timeout (500 ms) at least; this allows for a loaded machine
            assertTrue(slowestAppend.get() < RedisConnection.COMMAND_TIMEOUT.toNanos() * 4 / 5,
                    "appending never waited for Redis: " + slowestAppend.get() / 1_000_000 + " ms");
            List<StreamMessage<String, String>> entries = f.entries(id);
            assertEquals(events.size(), entries.size(), "every event once");
            for (int i = 0; i < entries.size(); i++) {
                assertEquals("0-" + (i + 1), entries.get(i).getId());
                assertArrayEquals(events.get(i), entries.get(i).getBody().get("j").getBytes(StandardCharsets.UTF_8),
                        "event " + (i + 1));
            }

            assertTrue(Await.until(T, remote::isTerminated), "the other node read the end: " + remote.lastSeq());
            assertEquals(events.size(), remote.lastSeq());
            for (int seq = 1; seq <= events.size(); seq++) {
                assertArrayEquals(events.get(seq - 1), remote.json(seq), "event " + seq + " on the other node");
            }
            assertTrue(wakes.get() > 0);
        } finally {
            appender.shutdownNow();
        }
    }

    /** A reader that counts its wake-ups. */
    record CountingReader(AtomicInteger wakes) implements StreamReader {
        @Override
        public void wake() {
            wakes.incrementAndGet();
        }

        @Override
        public void shutdown(long retryMillis) {
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> closed() {
            return new java.util.concurrent.CompletableFuture<>(); // never closes
        }

        @Override
        public void abort() {
        }
    }
}
