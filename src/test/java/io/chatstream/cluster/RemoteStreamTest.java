package io.chatstream.cluster;

import io.chatstream.testing.Await;
import io.chatstream.cluster.RedisEventLogTest.CountingReader;
import io.chatstream.event.ChatEvent;
import io.chatstream.stream.MemoryEventLog;
import io.chatstream.wire.EventJson;
import io.chatstream.time.ManualScheduler;
import io.chatstream.wire.ByteSink;
import io.chatstream.wire.Framing;
import io.lettuce.core.XAddArgs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.chatstream.cluster.SharedLogFixture.T;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The reading half against a real {@code redis-server}: a node follows a stream another node writes, its readers
 * woken as events come (through the subscription, well before the poll), terminated by the end marker; a notice
 * that never came only delays; a resume ahead of the view here waits for it, bounded; and a node costs Redis two
 * connections however many streams it follows.
 */
@Timeout(60)
class RemoteStreamTest {

    @BeforeAll
    static void redisInstalled() {
        assumeTrue(RedisServer.available() || System.getenv("CI") != null, "redis-server is not installed");
    }

    private static RemoteStream follow(RemoteStreams node, String id) throws Exception {
        return node.follow(id).toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void aReaderOnAnotherNodeIsWokenForEachFlushAndTheEndTerminatesTheStream() throws Exception {
        try (SharedLogFixture f = new SharedLogFixture()) {
            RedisEventLogs owner = f.writer(f.node(), Duration.ofSeconds(30));
            // a poll slower than the test: only the subscription can bring the events in time
            RemoteStreams other = f.reader(f.node(), Duration.ofMinutes(10));
            assertTrue(Await.until(T, other::subscribed), "subscribed");
            String id = SharedLogFixture.newId();
            assertNull(follow(other, id), "a stream Redis does not know");

            List<byte[]> events = SharedLogFixture.reply(id, 40);
            RedisEventLog log = owner.create(id);
            log.append(events.get(0), 0, events.get(0).length);
            assertTrue(Await.until(T, () -> log.written() == 1));
            RemoteStream remote = follow(other, id);
            assertEquals(1, remote.lastSeq());
            assertFalse(remote.isTerminated());
            AtomicInteger wakes = new AtomicInteger();
            assertTrue(remote.attach(new CountingReader(wakes)));

            for (int i = 1; i < events.size() - 1; i++) {
                byte[] e = events.get(i);
                int seq = log.append(e, 0, e.length);
                assertTrue(Await.until(Duration.ofSeconds(5), () -> remote.lastSeq() == seq), "event " + seq);
            }
            assertTrue(wakes.get() >= events.size() - 2, "woken per flush: " + wakes.get());
            byte[] end = events.get(events.size() - 1);
            log.append(end, 0, end.length);
            log.ended();
            assertTrue(Await.until(T, remote::isTerminated), "the end marker terminates it");
            assertEquals(events.size(), remote.lastSeq());
            assertEquals(0, other.following(), "a terminated stream is no longer followed");

            // framed as the owner frames it: same id, same seqs, same bytes
            MemoryEventLog expected = new MemoryEventLog();
            events.forEach(e -> expected.append(e, 0, e.length));
            byte[] idBytes = id.getBytes(StandardCharsets.US_ASCII);
            for (int seq = 1; seq <= events.size(); seq++) {
                ByteSink mine = new ByteSink(64);
                ByteSink theirs = new ByteSink(64);
                expected.frame(seq, Framing.SSE, idBytes, mine);
                remote.frame(seq, Framing.SSE, theirs);
                assertArrayEquals(mine.toByteArray(), theirs.toByteArray(), "event " + seq);
            }
            assertEquals(expected.bytesAfter(3), remote.bytesAfter(3));
        }
    }

    @Test
    void theNoticeCarriesTheEventsSoAFollowerTakesThemWithoutReadingRedis() throws Exception {
        try (SharedLogFixture f = new SharedLogFixture()) {
            RedisEventLogs owner = f.writer(f.node(), Duration.ofSeconds(30));
            RemoteStreams other = f.reader(f.node(), Duration.ofMinutes(10)); // no poll within the test
            assertTrue(Await.until(T, other::subscribed), "subscribed");
            String id = SharedLogFixture.newId();
            List<byte[]> events = new ArrayList<>(SharedLogFixture.reply(id, 20));
            // what a line-based notice must not split or garble: a line break, a brace, quotes, non-ASCII
            events.add(3, EventJson.encode(new ChatEvent.Chunk("a line\n{\"and\": \"na\u00efve \u4e2d\u6587\"}\r\n")));
            RedisEventLog log = owner.create(id);
            log.append(events.get(0), 0, events.get(0).length);
            assertTrue(Await.until(T, () -> log.written() == 1));
            RemoteStream remote = follow(other, id);
            long reads = f.calls("xrange");
            for (int i = 1; i < events.size(); i++) {
                byte[] e = events.get(i);
                int seq = log.append(e, 0, e.length);
                if (i == events.size() - 1) {
                    log.ended();
                }
                assertTrue(Await.until(Duration.ofSeconds(5), () -> remote.lastSeq() == seq), "event " + seq);
            }
            assertTrue(remote.isTerminated(), "the carried end terminates it");
            assertEquals(reads, f.calls("xrange"), "no read of Redis: every event came with its notice");
            for (int seq = 1; seq <= events.size(); seq++) {
                assertArrayEquals(events.get(seq - 1), remote.json(seq), "event " + seq);
            }
        }
    }

    @Test
    void aNodeSkipsTheNoticesOfItsOwnFlushesUnreadAndTakesTheOthers() throws Exception {
        try (SharedLogFixture f = new SharedLogFixture()) {
            RedisConnection a = f.node();
            RedisEventLogs ownerA = f.writer(a, "node-a", Duration.ofSeconds(30));
            RedisEventLogs ownerC = f.writer(f.node(), "node-c", Duration.ofSeconds(30));
            // node A's own subscription, and node B's; no poll within the test
            RemoteStreams hereA = f.reader(a, "node-a", Duration.ofMinutes(10));
            RemoteStreams otherB = f.reader(f.node(), "node-b", Duration.ofMinutes(10));
            assertTrue(Await.until(T, () -> hereA.subscribed() && otherB.subscribed()), "subscribed");
            String idA = SharedLogFixture.newId();
            String idC = SharedLogFixture.newId();
            List<byte[]> events = SharedLogFixture.reply(idA, 5);
            RedisEventLog logA = ownerA.create(idA);
            RedisEventLog logC = ownerC.create(idC);
            logA.append(events.get(0), 0, events.get(0).length);
            logC.append(events.get(0), 0, events.get(0).length);
            assertTrue(Await.until(T, () -> logA.written() == 1 && logC.written() == 1));
            // A following its own stream stands for any stream of A's flush that A does not follow: its notice
            // reaches A's subscription too, and must cost A nothing
            RemoteStream seenByA = follow(hereA, idA);
            RemoteStream seenByB = follow(otherB, idA);
            RemoteStream cSeenByA = follow(hereA, idC);
            long reads = f.calls("xrange");
            for (int i = 1; i < events.size(); i++) {
                byte[] e = events.get(i);
                int seq = logA.append(e, 0, e.length);
                assertTrue(Await.until(T, () -> seenByB.lastSeq() == seq), "B takes event " + seq);
            }
            // Redis delivers a subscription's messages in order: once A has C's notice, it has had all of its own
            byte[] e = events.get(1);
            logC.append(e, 0, e.length);
            assertTrue(Await.until(T, () -> cSeenByA.lastSeq() == 2), "A takes the notice of another node");
            assertEquals(1, seenByA.lastSeq(), "A skipped its own notices: nothing taken from them, nothing read");
            assertEquals(reads, f.calls("xrange"), "no read of Redis by either node");
        }
    }

    @Test
    void onlyTheStreamsAnotherNodeFollowsCostANotice() throws Exception {
        try (SharedLogFixture f = new SharedLogFixture()) {
            RedisEventLogs owner = f.writer(f.node(), Duration.ofSeconds(30));
            RemoteStreams other = f.reader(f.node(), Duration.ofMinutes(10));
            assertTrue(Await.until(T, other::subscribed), "subscribed");
            String followedId = SharedLogFixture.newId();
            String aloneId = SharedLogFixture.newId();
            RedisEventLog followedLog = owner.create(followedId);
            RedisEventLog alone = owner.create(aloneId);
            List<byte[]> events = SharedLogFixture.reply(followedId, 5);
            long publishes = f.calls("publish");
            followedLog.append(events.get(0), 0, events.get(0).length);
            alone.append(events.get(0), 0, events.get(0).length);
            assertTrue(Await.until(T, () -> followedLog.written() == 1 && alone.written() == 1));
            assertEquals(publishes, f.calls("publish"), "nobody follows either: no notice");

            RemoteStream remote = follow(other, followedId);
            long ttl = f.probe.pttl(StreamKeys.followed(followedId));
            assertTrue(ttl > 0 && ttl <= RemoteStreams.FOLLOW_MARK.toMillis(), "marked, for a while: " + ttl);
            assertEquals(-2, f.probe.pttl(StreamKeys.followed(aloneId)), "no mark");
            for (int i = 1; i < events.size(); i++) {
                byte[] e = events.get(i);
                int seq = alone.append(e, 0, e.length);
                assertTrue(Await.until(T, () -> alone.written() == seq));
            }
            assertEquals(publishes, f.calls("publish"), "the stream nobody follows is written without a notice");
            for (int i = 1; i < events.size(); i++) {
                byte[] e = events.get(i);
                int seq = followedLog.append(e, 0, e.length);
                assertTrue(Await.until(T, () -> remote.lastSeq() == seq), "event " + seq);
            }
            assertTrue(f.calls("publish") >= publishes + events.size() - 1, "a notice per flush of the followed one");
        }
    }

    @Test
    void thePollReadsOnlyTheFollowedStreamsThatHeardNothingSinceItLastRan() throws Exception {
        try (SharedLogFixture f = new SharedLogFixture()) {
            RedisEventLogs owner = f.writer(f.node(), Duration.ofSeconds(30));
            ManualScheduler clock = new ManualScheduler();
            RemoteStreams other = new RemoteStreams(f.node(), "other", clock, Duration.ofSeconds(1));
            try {
                assertTrue(pump(clock, other::subscribed), "subscribed");
                String id = SharedLogFixture.newId();
                List<byte[]> events = SharedLogFixture.reply(id, 10);
                RedisEventLog log = owner.create(id);
                log.append(events.get(0), 0, events.get(0).length);
                assertTrue(Await.until(T, () -> log.written() == 1));
                CompletableFuture<RemoteStream> followed = other.follow(id).toCompletableFuture();
                assertTrue(pump(clock, followed::isDone));
                RemoteStream remote = followed.get();
                long reads = f.calls("xrange");
                for (int i = 1; i <= 5; i++) {
                    byte[] e = events.get(i);
                    int seq = log.append(e, 0, e.length);
                    assertTrue(pump(clock, () -> remote.lastSeq() == seq), "event " + seq + ", by its notice");
                    clock.advance(Duration.ofSeconds(1)); // a poll: the stream had a notice since the last one
                }
                assertEquals(reads, f.calls("xrange"), "a stream that hears notices is not read by the poll");
                clock.advance(Duration.ofSeconds(1)); // no notice since the last poll: read
                assertTrue(Await.until(T, () -> f.calls("xrange") == reads + 1), "silent for a whole round: read");
            } finally {
                other.close();
            }
        }
    }

    @Test
    void eventsTheNoticeHasNoRoomForAreReadFromRedis() throws Exception {
        try (SharedLogFixture f = new SharedLogFixture()) {
            RedisEventLogs owner = f.writer(f.node(), Duration.ofSeconds(30));
            RemoteStreams other = f.reader(f.node(), Duration.ofMinutes(10));
            assertTrue(Await.until(T, other::subscribed), "subscribed");
            String id = SharedLogFixture.newId();
            RedisEventLog log = owner.create(id);
            byte[] start = SharedLogFixture.reply(id, 0).get(0);
            log.append(start, 0, start.length);
            assertTrue(Await.until(T, () -> log.written() == 1));
            RemoteStream remote = follow(other, id);
            long reads = f.calls("xrange");
            byte[] big = EventJson.encode(new ChatEvent.Chunk("x".repeat(RedisEventLogs.NOTICE_BYTES)));
            log.append(big, 0, big.length);
            assertTrue(Await.until(T, () -> remote.lastSeq() == 2), "read after its notice");
            assertArrayEquals(big, remote.json(2));
            assertTrue(f.calls("xrange") > reads, "read from Redis");
        }
    }

    @Test
    void aNoticeThatLeavesAGapIsReadFromRedisAndLinesOfOtherFormatsAreIgnored() throws Exception {
        try (SharedLogFixture f = new SharedLogFixture()) {
            RemoteStreams other = f.reader(f.node(), Duration.ofMinutes(10));
            assertTrue(Await.until(T, other::subscribed), "subscribed");
            String id = SharedLogFixture.newId();
            List<byte[]> events = SharedLogFixture.reply(id, 6); // seqs 1 to 8
            xadd(f, id, events, 1, 2);
            RemoteStream remote = follow(other, id);
            assertEquals(2, remote.lastSeq());
            // Redis holds up to 5; the notice carries only 5 (the view here lacks 3 and 4): read, not taken
            xadd(f, id, events, 3, 5);
            String five = new String(events.get(4), StandardCharsets.UTF_8);
            f.probe.publish(StreamKeys.CHANNEL, "garbage\n" + id + " x\n\n" + id + " 5\n" + five);
            assertTrue(Await.until(T, () -> remote.lastSeq() == 5), "read from Redis");
            for (int seq = 1; seq <= 5; seq++) {
                assertArrayEquals(events.get(seq - 1), remote.json(seq), "event " + seq);
            }
            // a notice that follows on is taken as it is: this one carries what Redis does not hold, so it can only
            // have come from the notice
            byte[] six = EventJson.encode(new ChatEvent.Chunk("only in the notice"));
            f.probe.publish(StreamKeys.CHANNEL, SharedLogFixture.newId() + " 9\n" + five + "\n" + id + " 6\n"
                    + new String(six, StandardCharsets.UTF_8));
            assertTrue(Await.until(T, () -> remote.lastSeq() == 6));
            assertArrayEquals(six, remote.json(6));
        }
    }

    @Test
    void eventsWrittenWithoutANoticeArriveByThePoll() throws Exception {
        try (SharedLogFixture f = new SharedLogFixture()) {
            RemoteStreams other = f.reader(f.node(), Duration.ofMillis(200));
            String id = SharedLogFixture.newId();
            List<byte[]> events = SharedLogFixture.reply(id, 3);
            // written straight to Redis, no PUBLISH: as if the notice were lost
            for (int seq = 1; seq <= 2; seq++) {
                f.probe.xadd(StreamKeys.events(id), new XAddArgs().id("0-" + seq), "j",
                        new String(events.get(seq - 1), StandardCharsets.UTF_8));
            }
            RemoteStream remote = follow(other, id);
            assertEquals(2, remote.lastSeq());
            for (int seq = 3; seq <= events.size(); seq++) {
                f.probe.xadd(StreamKeys.events(id), new XAddArgs().id("0-" + seq), "j",
                        new String(events.get(seq - 1), StandardCharsets.UTF_8));
            }
            assertTrue(Await.until(T, () -> remote.lastSeq() == events.size()), "read by the poll");
            assertTrue(remote.isTerminated(), "its terminal event read: nothing follows it");
        }
    }

    @Test
    void aNodeHoldsTwoConnectionsWhateverTheNumberOfStreamsItWritesAndFollows() throws Exception {
        try (SharedLogFixture f = new SharedLogFixture()) {
            long before = f.clients();
            RedisConnection nodeA = f.node();
            RedisEventLogs ownerA = f.writer(nodeA, Duration.ofSeconds(30));
            RemoteStreams readerA = f.reader(nodeA, Duration.ofSeconds(1));
            RedisConnection nodeB = f.node();
            RedisEventLogs ownerB = f.writer(nodeB, Duration.ofSeconds(30));
            RemoteStreams readerB = f.reader(nodeB, Duration.ofSeconds(1));
            assertTrue(Await.until(T, () -> f.clients() == before + 4), "2 + 2: " + f.clients());

            // each node writes 100 streams and follows the other's 100
            List<RedisEventLog> logs = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String id = SharedLogFixture.newId();
                RedisEventLog log = (i % 2 == 0 ? ownerA : ownerB).create(id);
                byte[] start = SharedLogFixture.reply(id, 0).get(0);
                log.append(start, 0, start.length);
                logs.add(log);
                ids.add(id);
            }
            assertTrue(Await.until(T, () -> logs.stream().allMatch(l -> l.written() == 1)));
            List<RemoteStream> followed = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                followed.add(follow(i % 2 == 0 ? readerB : readerA, ids.get(i)));
            }
            assertEquals(100, readerA.following());
            assertEquals(100, readerB.following());
            byte[] token = SharedLogFixture.reply("x", 1).get(1);
            for (RedisEventLog log : logs) {
                log.append(token, 0, token.length);
            }
            assertTrue(Await.until(T, () -> followed.stream().allMatch(s -> s.lastSeq() == 2)));
            assertEquals(before + 4, f.clients(), "still two connections per node");
        }
    }

    /** Runs the manual scheduler's due tasks (the answers of Redis land there) until {@code condition} holds. */
    private static boolean pump(ManualScheduler clock, java.util.function.BooleanSupplier condition) {
        return Await.until(T, () -> {
            clock.runDue();
            return condition.getAsBoolean();
        });
    }

    private static void xadd(SharedLogFixture f, String id, List<byte[]> events, int from, int to) {
        for (int seq = from; seq <= to; seq++) {
            f.probe.xadd(StreamKeys.events(id), new XAddArgs().id("0-" + seq), "j",
                    new String(events.get(seq - 1), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aResumeAheadOfTheViewHereWaitsForItToCatchUpThenIsJudgedAfterTheBound() throws Exception {
        try (SharedLogFixture f = new SharedLogFixture()) {
            ManualScheduler clock = new ManualScheduler();
            // no poll within the test: only a notice, or the fetch reach() asks for, reads Redis
            RemoteStreams other = new RemoteStreams(f.node(), "other", clock, Duration.ofHours(1));
            try {
                assertTrue(pump(clock, other::subscribed), "subscribed");
                // a stream Redis holds nothing of: unknown once the bound is over
                CompletableFuture<RemoteStream> unknown = other.follow(SharedLogFixture.newId()).toCompletableFuture();
                // the poll, and the timer the first read set when it found nothing
                assertTrue(pump(clock, () -> other.following() == 1 && clock.pending() == 2), "read, found empty");
                clock.advance(RemoteStream.CATCH_UP.minusMillis(1));
                assertFalse(unknown.isDone());
                clock.advance(Duration.ofMillis(1));
                assertTrue(unknown.isDone());
                assertNull(unknown.get());
                assertEquals(0, other.following());

                // a stream whose owner delivered its first events before it wrote them: followed once they come
                String id = SharedLogFixture.newId();
                List<byte[]> events = SharedLogFixture.reply(id, 8); // seqs 1 to 10
                CompletableFuture<RemoteStream> followed = other.follow(id).toCompletableFuture();
                assertTrue(pump(clock, () -> clock.pending() == 2), "read, found empty");
                clock.advance(Duration.ofMillis(500));
                xadd(f, id, events, 1, 3);
                f.probe.publish(StreamKeys.CHANNEL, id + " 3");
                assertTrue(pump(clock, followed::isDone));
                RemoteStream remote = followed.get();
                assertEquals(3, remote.lastSeq());
                assertTrue(remote.reach(3).toCompletableFuture().isDone(), "held: at once");

                // the owner delivered seq 5 from memory; Redis and the view here hold 3
                CompletableFuture<Void> five = remote.reach(5).toCompletableFuture();
                clock.runDue();
                assertFalse(five.isDone(), "waits");
                clock.advance(Duration.ofMillis(1500));
                assertFalse(five.isDone(), "still within the bound");
                xadd(f, id, events, 4, 5); // the owner's flush, and its notice
                f.probe.publish(StreamKeys.CHANNEL, id + " 5");
                assertTrue(pump(clock, five::isDone), "complete once the view holds seq 5");
                assertEquals(5, remote.lastSeq());
                assertEquals(1, other.following(), "followed while a request waits, though no reader is attached");

                // a seq the stream never sent: judged once the bound is over, not before
                CompletableFuture<Void> nine = remote.reach(9).toCompletableFuture();
                clock.advance(RemoteStream.CATCH_UP.minusMillis(1));
                assertFalse(nine.isDone());
                clock.advance(Duration.ofMillis(1));
                assertTrue(nine.isDone(), "after " + RemoteStream.CATCH_UP);
                assertEquals(5, remote.lastSeq(), "and the view holds fewer: the caller answers 400");

                // the end seen: no more waiting, whatever the seq
                xadd(f, id, events, 6, 10);
                f.probe.hset(StreamKeys.meta(id), "end", "10");
                CompletableFuture<Void> beyond = remote.reach(12).toCompletableFuture();
                assertTrue(pump(clock, beyond::isDone), "complete with the end, long before the bound");
                assertTrue(remote.isTerminated());
                assertTrue(remote.reach(12).toCompletableFuture().isDone());
            } finally {
                other.close();
            }
        }
    }
}
