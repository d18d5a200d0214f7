package io.chatstream.cluster;

import io.chatstream.testing.Await;
import io.chatstream.event.ChatEvent;
import io.chatstream.event.FinishReason;
import io.chatstream.stream.StreamIds;
import io.chatstream.wire.EventJson;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nodes of a cluster inside one test JVM, each with its own {@link RedisConnection} to one real
 * {@code redis-server}, and a plain Lettuce connection for the test's own look at Redis.
 */
final class SharedLogFixture implements AutoCloseable {

    static final Duration T = Duration.ofSeconds(20);

    final RedisServer server;
    final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final RedisClient probeClient;
    private final StatefulRedisConnection<String, String> probeConnection;
    /** The test's own blocking connection, for looking at what the nodes wrote. */
    final RedisCommands<String, String> probe;

    SharedLogFixture(String... redisOptions) throws Exception {
        server = RedisServer.start(redisOptions);
        probeClient = RedisClient.create(server.url());
        probeConnection = probeClient.connect();
        probe = probeConnection.sync();
    }

    /** A node's command connection, connected. */
    RedisConnection node() {
        RedisConnection c = RedisConnection.open(RedisUrl.parse(server.url()), scheduler);
        closing.add(0, c);
        assertTrue(Await.until(T, () -> !c.isDown()), "connected");
        return c;
    }

    /** The logs of node {@code node}'s streams, written to Redis under a node id of their own. */
    RedisEventLogs writer(RedisConnection node, Duration retain) {
        return writer(node, UUID.randomUUID().toString(), retain);
    }

    RedisEventLogs writer(RedisConnection node, String nodeId, Duration retain) {
        RedisEventLogs logs = new RedisEventLogs(node, nodeId, scheduler, retain, Duration.ofSeconds(600));
        closing.add(0, logs);
        return logs;
    }

    /** The streams node {@code node} follows, under a node id of their own. */
    RemoteStreams reader(RedisConnection node, Duration poll) {
        return reader(node, UUID.randomUUID().toString(), poll);
    }

    RemoteStreams reader(RedisConnection node, String nodeId, Duration poll) {
        RemoteStreams streams = new RemoteStreams(node, nodeId, scheduler, poll);
        closing.add(0, streams);
        return streams;
    }

    static String newId() {
        return StreamIds.next();
    }

    /** The JSON of a reply's events: a start, {@code tokens} chunks of a few characters, an end. */
    static List<byte[]> reply(String id, int tokens) {
        List<byte[]> events = new ArrayList<>();
        events.add(EventJson.encode(new ChatEvent.Start(id, "demo")));
        for (int i = 0; i < tokens; i++) {
            events.add(EventJson.encode(new ChatEvent.Chunk(i % 5 == 0 ? " the" : " w" + i)));
        }
        events.add(EventJson.encode(new ChatEvent.End(FinishReason.STOP, null)));
        return events;
    }

    /** Appends {@code events} to {@code log}, ends it, and waits until Redis holds them and the end marker. */
    static void writeAll(RedisEventLog log, List<byte[]> events) {
        for (byte[] e : events) {
            log.append(e, 0, e.length);
        }
        log.ended();
        assertTrue(Await.until(T, log::endWritten), "the end is written");
    }

    List<StreamMessage<String, String>> entries(String id) {
        return probe.xrange(StreamKeys.events(id), Range.create("-", "+"));
    }

    /** {@code MEMORY USAGE key SAMPLES 0}: every element counted, not an estimate from a sample. */
    long memoryUsage(String key) {
        Long n = probe.dispatch(CommandType.MEMORY, new IntegerOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).add("USAGE").addKey(key).add("SAMPLES").add(0));
        return n == null ? 0 : n;
    }

    /** The number of times Redis ran {@code command} ({@code INFO commandstats}). */
    long calls(String command) {
        for (String line : probe.info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":calls=")) {
                int from = line.indexOf('=') + 1;
                return Long.parseLong(line.substring(from, line.indexOf(',', from)));
            }
        }
        return 0;
    }

    /** {@code connected_clients} of {@code INFO clients}. */
    long clients() {
        for (String line : probe.info("clients").split("\r?\n")) {
            if (line.startsWith("connected_clients:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new IllegalStateException("no connected_clients");
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        probeConnection.close();
        probeClient.shutdown();
        scheduler.shutdownNow();
        server.close();
    }
}
