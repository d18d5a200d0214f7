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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Nodes that reach Redis as the ACL user whose one {@code ACL SETUSER} line {@code docs/cluster.md} gives, nothing
 * more: a reply started on one node is resumed on the other and repeated there by its {@code Idempotency-Key}, a
 * reply is stopped from the other node, and one is interrupted there when its node dies, with the rate limits on;
 * Redis logs no denied command, key or channel meanwhile ({@code ACL LOG}), and the line grants every command the
 * scripts call. A grant taken away is one log line and no outage; a node with a wrong password starts, says so in
 * one line, and answers generations {@code 503}; no node prints the password.
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
        List<String> rules = new ArrayList<>(documentedAclLine());
        assertEquals("chat", rules.remove(0));
        rules.replaceAll(r -> r.startsWith(">") ? ">" + PASSWORD : r);
        setUser(rules.toArray(String[]::new));

        Map<String, String> settings = new HashMap<>(Map.of(
                "chat.cluster.redis-url", "redis://chat:" + PASSWORD_IN_URL + "@127.0.0.1:" + redis.port(),
                "chat.demo.tokens-per-second", "50", "chat.demo.reply-tokens", "50",
                // the rate limits' scripts run too
                "chat.limits.replies-per-minute", "100", "chat.limits.tokens-per-day", "100000",
                "chat.stream.detach-grace-seconds", "30",
                "chat.store.url", "off"));
        // short, so that a killed node's reader learns it soon
        settings.put("chat.cluster.lease-seconds", "2");
        DevServerProcess[] nodes = DevServerProcess.startAll(settings, "a", "b");
        a = nodes[0];
        b = nodes[1];
        for (DevServerProcess node : new DevServerProcess[] {a, b}) {
            assertTrue(Await.until(T, () -> node.lines("Connected to Redis at redis://chat:***@127.0.0.1:"
                    + redis.port() + "/0") == 1), node::output);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        DevServerProcess.closeAll(a, b);
        for (AutoCloseable c : new AutoCloseable[] {adminConnection}) {
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
    void aStopOnOneNodeEndsTheReplyOfTheOther() throws Exception {
        try (SseRecorder onA = SseRecorder.open(HTTP, post(a, "stop me").build())) {
            assertEquals(200, onA.status(), a::output);
            String id = onA.header("X-Stream-Id");
            assertEquals("start", onA.nextEvent(T).type());
            HttpResponse<String> stopped = HTTP.send(HttpRequest.newBuilder(b.uri("/api/chat/streams/" + id))
                    .DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, stopped.statusCode(), stopped.body());
            List<SseRecorder.Event> rest = onA.readToEnd(T);
            assertEquals("cancelled", rest.get(rest.size() - 1).json().get("finish_reason").asText(),
                    rest.toString());
        }
    }

    @Test
    @Order(3)
    void aDeniedCommandIsSaidOnceAndIsNoOutage() throws Exception {
        String id;
        try (SseRecorder r = SseRecorder.open(HTTP, post(b, "look me up").build())) {
            id = r.header("X-Stream-Id");
            r.readToEnd(T);
        }
        HttpRequest lookup = HttpRequest.newBuilder(a.uri("/api/chat/streams/" + id)).timeout(T).build();
        long outages = a.lines("cannot be reached");
        assertEquals(List.of(), adminConnection.sync().aclLog(), "so far, before the log is cleared below");
        setUser("-hgetall");
        try {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> refused = HTTP.send(lookup, HttpResponse.BodyHandlers.ofString());
                assertEquals(503, refused.statusCode(), refused.body());
                assertTrue(refused.headers().firstValue("Retry-After").isPresent());
            }
            assertEquals(1, a.lines("denied the user of chat.cluster.redis-url (NOPERM"), a.output());
            assertEquals(1, a.lines("'hgetall'"), a.output());
            assertEquals(outages, a.lines("cannot be reached"), "Redis answered: no outage");
        } finally {
            setUser("+hgetall");
            adminConnection.sync().aclLogReset();
        }
        assertEquals(200, HTTP.send(lookup, HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    private static void setUser(String... rules) {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add("SETUSER").add("chat");
        for (String r : rules) {
            args.add(r);
        }
        assertEquals("OK", adminConnection.sync().dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8),
                args));
    }

    /**
     * A command the user lacks inside the flush script: the refusal is said once however often the write is tried
     * again, Redis is not taken for gone, and once the grant is back the events the node kept reach Redis.
     */
    @Test
    @Order(3)
    void aCommandDeniedInsideAScriptIsSaidOnceAndIsNoOutage() throws Exception {
        long outages = b.lines("cannot be reached");
        long backs = b.lines("is back");
        long denials = b.lines("denied the user of chat.cluster.redis-url");
        String id;
        setUser("-xlen");
        try {
            try (SseRecorder r = SseRecorder.open(HTTP, post(b, "written later").build())) {
                assertEquals(200, r.status(), b::output);
                id = r.header("X-Stream-Id");
                r.readToEnd(T); // from node b's memory
            }
            // the write is tried again every 250 ms: wait for a few refusals
            assertTrue(Await.until(T, () -> adminConnection.sync().aclLog().stream()
                    .anyMatch(e -> "xlen".equals(e.get("object")) && ((Long) e.get("count")) >= 4)), b::output);
            assertEquals(denials + 1, b.lines("denied the user of chat.cluster.redis-url"), b.output());
            assertEquals(outages, b.lines("cannot be reached"), "Redis answered: no outage");
            assertEquals(backs, b.lines("is back"), b.output());
        } finally {
            setUser("+xlen");
            adminConnection.sync().aclLogReset();
        }
        try (SseRecorder onA = SseRecorder.open(HTTP, HttpRequest.newBuilder(a.uri("/api/chat/streams/" + id))
                .build())) {
            assertEquals(200, onA.status(), a::output);
            List<SseRecorder.Event> all = onA.readToEnd(T);
            SseRecorder.assertSequential(all, 1);
            assertEquals("end", all.get(all.size() - 1).type(), all.toString());
        }
    }

    @Test
    @Order(4)
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
    @Order(5)
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

    /** Redis 7 gives a new user no channel unless told: a common slip, which would slow the cluster silently. */
    @Test
    @Order(6)
    void aUserWithoutTheChannelsIsToldOfIt() throws Exception {
        List<String> rules = new ArrayList<>(documentedAclLine());
        rules.remove(0);
        rules.replaceAll(r -> r.startsWith(">") ? ">" + PASSWORD : r);
        assertTrue(rules.remove("&chat:*"));
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add("SETUSER").add("deaf");
        rules.forEach(args::add);
        assertEquals("OK", adminConnection.sync().dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8),
                args));
        String url = "redis://deaf:" + PASSWORD_IN_URL + "@127.0.0.1:" + redis.port();
        try (DevServerProcess c = DevServerProcess.start("deaf", Map.of("chat.cluster.redis-url", url,
                "chat.store.url", "off"))) {
            String said = "denied the user of chat.cluster.redis-url (NOPERM this user has no permissions to access"
                    + " one of the channels";
            assertTrue(Await.until(T, () -> c.lines(said) == 1), c::output);
            // the node's stop channel is tried again every few seconds: none of it is an outage
            assertTrue(Await.until(T, () -> adminConnection.sync().aclLog().stream()
                    .mapToLong(e -> ((Number) e.get("count")).longValue()).sum() >= 4), "refused twice, tried again");
            assertEquals(1, c.lines("denied the user"), c.output());
            assertEquals(0, c.lines("cannot be reached"), c.output());
        } finally {
            adminConnection.sync().aclLogReset();
        }
    }

    @Test
    @Order(7)
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

    /** Catches a script that calls a command the line lacks, however rarely it runs (the live check above cannot). */
    @Test
    @Order(8)
    void theLineGrantsEveryCommandTheScriptsCall() throws Exception {
        List<String> rules = documentedAclLine();
        Pattern call = Pattern.compile("redis\\.call\\('([A-Z]+)'");
        List<String> missing = new ArrayList<>();
        int found = 0;
        for (String dir : List.of("cluster", "limits")) {
            try (var files = Files.list(Path.of("src/main/java/io/chatstream", dir))) {
                for (Path f : files.toList()) {
                    Matcher m = call.matcher(Files.readString(f));
                    while (m.find()) {
                        found++;
                        if (!rules.contains("+" + m.group(1).toLowerCase(java.util.Locale.ROOT))) {
                            missing.add(m.group(1) + " in " + f.getFileName());
                        }
                    }
                }
            }
        }
        assertTrue(found > 20, "the scripts were found: " + found);
        assertEquals(List.of(), missing);
    }
}
