package io.chatstream.cluster;

import io.chatstream.testing.Await;
import io.chatstream.testing.SseRecorder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Nodes that reach Redis as the ACL user whose one {@code ACL SETUSER} line {@code docs/cluster.md} gives, nothing
 * more: a reply started on one node is resumed on the other, repeated there by its {@code Idempotency-Key}, and
 * interrupted there when its node dies, with the rate limits on; Redis logs no denied command or key meanwhile
 * ({@code ACL LOG}). A node with a wrong password starts, says so in one line, and answers generations {@code 503};
 * no node prints the password.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisAclTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration T = Duration.ofSeconds(20);
    /** Holds a character a URL must escape, so that both spellings can be looked for in the logs. */
    private static final String PASSWORD = "acl/Secret-7f";
    private static final String PASSWORD_IN_URL = "acl%2FSecret-7f";
    private static final String WRONG_PASSWORD = "wrong-Secret-9q";

    private static RedisServer redis;
    private static RedisClient admin;
    private static StatefulRedisConnection<String, String> adminConnection;
    private static DevServerProcess a;
    private static DevServerProcess b;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(RedisServer.available() || System.getenv("CI") != null, "redis-server is not installed");
        redis = RedisServer.start();
        admin = RedisClient.create(RedisURI.create(redis.url()));
        adminConnection = admin.connect();
        List<String> rules = new java.util.ArrayList<>(documentedAclLine());
        assertEquals("chat", rules.get(0));
        rules.replaceAll(r -> r.startsWith(">") ? ">" + PASSWORD : r);
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add("SETUSER");
        rules.forEach(args::add);
        assertEquals("OK", adminConnection.sync().dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8),
                args));

        Map<String, String> settings = new HashMap<>(Map.of(
                "chat.cluster.redis-url", "redis://chat:" + PASSWORD_IN_URL + "@127.0.0.1:" + redis.port(),
                "chat.demo.tokens-per-second", "50", "chat.demo.reply-tokens", "50",
                // the rate limits' scripts run too
                "chat.limits.replies-per-minute", "100", "chat.limits.tokens-per-day", "100000",
                "chat.stream.detach-grace-seconds", "30",
                "chat.store.url", "off"));
        // short, so that a killed node's reader learns it soon
        settings.put("chat.cluster.lease-seconds", "2");
        a = DevServerProcess.start("a", settings);
        b = DevServerProcess.start("b", settings);
        for (DevServerProcess node : new DevServerProcess[] {a, b}) {
            assertTrue(Await.until(T, () -> node.lines("Connected to Redis at redis://chat:***@127.0.0.1:"
                    + redis.port() + "/0") == 1), node::output);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, adminConnection}) {
            if (c != null) {
                c.close();
            }
        }
        if (admin != null) {
            admin.shutdown();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** The words after {@code ACL SETUSER} of the line {@code docs/cluster.md} gives operators. */
    static List<String> documentedAclLine() throws Exception {
        return Files.readAllLines(Path.of("docs", "cluster.md")).stream()
                .filter(l -> l.startsWith("ACL SETUSER "))
                .map(l -> Arrays.asList(l.substring("ACL SETUSER ".length()).trim().split(" +")))
                .reduce((x, y) -> {
                    throw new AssertionError("docs/cluster.md gives more than one ACL SETUSER line");
                }).orElseThrow(() -> new AssertionError("docs/cluster.md gives no ACL SETUSER line"));
    }

    private static HttpRequest.Builder post(DevServerProcess node, String text) {
        return HttpRequest.newBuilder(node.uri("/api/chat")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"" + text + "\"}"));
    }

    @Test
    @Order(1)
    void aReplyStartedOnOneNodeIsResumedAndRepeatedOnTheOther() throws Exception {
        String id;
        long lastRead;
        try (SseRecorder onA = SseRecorder.open(HTTP, post(a, "resume me").header("Idempotency-Key", "acl-1")
                .build())) {
            assertEquals(200, onA.status(), a::output);
            id = onA.header("X-Stream-Id");
            assertEquals("start", onA.nextEvent(T).type());
            onA.nextEvent(T);
            lastRead = onA.nextEvent(T).seq();
        }
        List<SseRecorder.Event> rest;
        try (SseRecorder onB = SseRecorder.open(HTTP, HttpRequest.newBuilder(b.uri("/api/chat/streams/" + id))
                .header("Last-Event-ID", id + ":" + lastRead).build())) {
            assertEquals(200, onB.status(), b::output);
            rest = onB.readToEnd(T);
        }
        SseRecorder.assertSequential(rest, lastRead + 1);
        SseRecorder.Event end = rest.get(rest.size() - 1);
        assertEquals("end", end.type(), rest.toString());
        assertEquals("stop", end.json().get("finish_reason").asText());

        try (SseRecorder repeat = SseRecorder.open(HTTP, post(b, "resume me").header("Idempotency-Key", "acl-1")
                .build())) {
            assertEquals(200, repeat.status(), b::output);
            assertEquals(id, repeat.header("X-Stream-Id"), "the same stream, found through Redis");
            List<SseRecorder.Event> all = repeat.readToEnd(T);
            SseRecorder.assertSequential(all, 1);
            assertEquals(end.seq(), all.get(all.size() - 1).seq());
        }
    }

    @Test
    @Order(2)
    void theReadersOfADeadNodeLearnItThroughTheSameUser() throws Exception {
        try (SseRecorder onA = SseRecorder.open(HTTP, post(a, "die while I speak").build())) {
            assertEquals(200, onA.status(), a::output);
            String id = onA.header("X-Stream-Id");
            assertEquals("start", onA.nextEvent(T).type());
            try (SseRecorder onB = SseRecorder.open(HTTP, HttpRequest.newBuilder(b.uri("/api/chat/streams/" + id))
                    .build())) {
                assertEquals(200, onB.status(), b::output);
                assertEquals("start", onB.nextEvent(T).type());
                a.kill();
                List<SseRecorder.Event> rest = onB.readToEnd(T);
                SseRecorder.Event last = rest.get(rest.size() - 1);
                assertEquals("error", last.type(), rest.toString());
                assertEquals("interrupted", last.json().get("code").asText());
            }
        }
    }

    @Test
    @Order(3)
    void redisDeniedNothingAndTheNodesUsedTheirUser() {
        List<Map<String, Object>> denied = adminConnection.sync().aclLog();
        assertEquals(List.of(), denied, "commands, keys or channels the documented ACL line lacks");
        String clients = adminConnection.sync().clientList();
        assertTrue(clients.lines().filter(l -> l.contains(" user=chat ")).count() >= 3,
                "node B's command and subscription connections: " + clients);
        for (DevServerProcess node : new DevServerProcess[] {a, b}) {
            assertFalse(node.output().contains(PASSWORD) || node.output().contains(PASSWORD_IN_URL),
                    node.output());
        }
    }

    @Test
    @Order(4)
    void aWrongPasswordIsOneLogLineAnd503s() throws Exception {
        String url = "redis://chat:" + WRONG_PASSWORD + "@127.0.0.1:" + redis.port();
        try (DevServerProcess c = DevServerProcess.start("c", Map.of("chat.cluster.redis-url", url,
                "chat.store.url", "off"))) {
            String said = "Redis at redis://chat:***@127.0.0.1:" + redis.port() + "/0 refused the user name or"
                    + " password";
            assertTrue(Await.until(T, () -> c.lines(said) == 1), c::output);
            HttpResponse<String> refused = HTTP.send(post(c, "hello").timeout(T).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.headers().firstValue("Retry-After").isPresent());
            assertTrue(refused.body().contains("\"unavailable\""), refused.body());
            assertEquals(1, c.lines("WRONGPASS"), "one line says so: " + c.output());
            assertFalse(c.output().contains(WRONG_PASSWORD), c.output());
        }
    }
}
