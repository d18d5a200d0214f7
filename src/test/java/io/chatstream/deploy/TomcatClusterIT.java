package io.chatstream.deploy;

import io.chatstream.cluster.RedisServer;
import io.chatstream.cluster.RoundRobinProxy;
import io.chatstream.testing.Await;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two real Tomcat 11 nodes with {@code chat.war} on one real {@code redis-server}, behind the tests' round-robin
 * balancer, which checks {@code GET /chat/api/health} as a balancer's active check does: every request may land on
 * either node. Replies are the demo's, short and slow (60 answer tokens at 10 a second, under 8 s);
 * {@code chat.cluster.drain-seconds} is longer than a reply. Everything is seen as a user sees it, over real HTTP
 * through the balancer, by readers that reconnect as {@code EventSource} does ({@link ResumingReader}).
 *
 * <p>What Tomcat does when a webapp stops ({@code StandardContext.stop}): it takes the context out of its request
 * mapper first (new requests to {@code /chat} get Tomcat's own {@code 404}), waits up to the context's
 * {@code unloadDelay} (2 s) for the asynchronous requests in progress to complete (an open stream completes only when
 * the drain tells its reader to go, so this wait runs out), stops the servlets and filters, then calls the webapp's
 * {@code contextDestroyed}, which drains. The responses already open are served all the while, so the readers get
 * every event and then their {@code retry:}. A balancer reads the {@code 404} of the health check as down.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(150)
class TomcatClusterIT {

    private static final String MESSAGE = "Hello, cluster";
    /** Enough for a reply to run on through Tomcat's wait before the drain (see the class comment). */
    private static final int REPLY_TOKENS = 60;
    private static final int DRAIN_SECONDS = 12;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private RedisServer redis;
    private TomcatContainer a;
    private TomcatContainer b;
    private RoundRobinProxy proxy;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** A reply to {@link #MESSAGE} read whole from one node, with no stop on the way: what every reply must be. */
    private List<Event> reference;

    @BeforeAll
    void startCluster() throws Exception {
        assumeTrue(RedisServer.available() || System.getenv("CI") != null, "redis-server is not installed");
        redis = RedisServer.start();
        Map<String, String> settings = Map.of(
                "chat.cluster.redis-url", redis.url(),
                "chat.cluster.drain-seconds", Integer.toString(DRAIN_SECONDS),
                "chat.store.url", "off",
                "chat.demo.reply-tokens", Integer.toString(REPLY_TOKENS),
                "chat.demo.tokens-per-second", "10",
                "chat.sse.retry-millis", "500",
                "chat.sse.keepalive-seconds", "2",
                "chat.limits.max-streams-per-client", "1000");
        CompletableFuture<TomcatContainer> startingB = CompletableFuture.supplyAsync(() -> node("cluster-b", settings));
        try {
            a = node("cluster-a", settings);
        } finally {
            b = startingB.join();
        }
        proxy = RoundRobinProxy.withHealthCheck(List.of(a.port, b.port), "/chat/api/health");
        ResumingReader first = ResumingReader.post("/chat", b.port, b.port, MESSAGE);
        first.done().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        reference = first.events();
        assertEquals("end", reference.get(reference.size() - 1).type(), first.history().toString());
        assertEquals(REPLY_TOKENS, reference.stream().filter(e -> e.type().equals("chunk")).count());
    }

    private static TomcatContainer node(String name, Map<String, String> settings) {
        try {
            return TomcatContainer.startNode(name, Container.home("it.tomcat11.home"), settings);
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    @AfterAll
    void stopCluster() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {proxy, a, b, redis}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /**
     * The recipe of the README's "Rolling redeploy in Tomcat": a new version of the WAR dropped into node A
     * ({@code chat##002.war}, Tomcat's parallel deployment), A healthy again and its old version drained, then the
     * same on node B; replies are started through the balancer all the while, one every 250 ms. Every one of them
     * ends whole, those of an old version read to their end on a node that follows them from Redis.
     */
    @Test
    @Order(1)
    void aRollingRedeployLosesNoReply() throws Exception {
        List<ResumingReader> replies = new ArrayList<>();
        ScheduledExecutorService starter = Executors.newSingleThreadScheduledExecutor();
        try {
            starter.scheduleAtFixedRate(() -> {
                ResumingReader r = ResumingReader.post("/chat", proxy.port(), proxy.port(), MESSAGE);
                synchronized (replies) {
                    replies.add(r);
                }
            }, 0, 250, TimeUnit.MILLISECONDS);
            awaitReplies(replies, 4);
            redeploy(a);
            redeploy(b);
            awaitReplies(replies, countOf(replies) + 4);
        } finally {
            starter.shutdown();
            assertTrue(starter.awaitTermination(10, TimeUnit.SECONDS));
        }
        List<ResumingReader> all;
        synchronized (replies) {
            all = List.copyOf(replies);
        }
        int resumed = 0;
        for (ResumingReader r : all) {
            r.done().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertWhole(r);
            resumed += r.resumed() ? 1 : 0;
        }
        assertTrue(resumed > 0, "some replies ran on an old version as it stopped, and were read on: " + all.size());
        for (TomcatContainer node : List.of(a, b)) {
            assertTrue(consoleLines(node).stream().anyMatch(l -> l.matches(".*Drained in \\d+ ms: [1-9]\\d* replies"
                    + " finished, 0 ended as interrupted.*")), node.name() + " drained running replies:\n" + node.tail());
            assertCleanLog(node);
        }
    }

    /** Drops version 002 into {@code node}; returns once it answers and its old version has stopped. */
    private void redeploy(TomcatContainer node) throws Exception {
        long stopped = count(node, "Chat server stopped");
        node.deployVersion(Container.CHAT, "002");
        assertTrue(Await.check(WAIT, () -> count(node, "Chat server stopped") > stopped
                && Container.status(http, node.uri("/chat/api/health")) == 200), node.name() + ":\n" + node.tail());
    }

    /**
     * A clean undeploy of node A while replies run on it, read through both nodes: A's readers get their
     * {@code retry:} and reconnect through the balancer, which no longer sends anything to A, to node B, and read
     * every event once, in order, to the {@code end} that A's generations wrote into Redis as they drained. B's
     * readers read on, untouched. Meanwhile Tomcat answers A's health itself ({@code 404}: the context is unmapped).
     */
    @Test
    @Order(2)
    void aNodeUndeployedMidReplyFinishesItsRepliesForReadersOnTheOtherNode() throws Exception {
        List<ResumingReader> onA = new ArrayList<>();
        List<ResumingReader> onB = new ArrayList<>();
        List<ResumingReader> started = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            started.add(ResumingReader.post("/chat", a.port, proxy.port(), MESSAGE));
        }
        for (ResumingReader r : started) {
            awaitEvents(r, 1); // the start event: the stream's id is known
            onA.add(r);
            onA.add(ResumingReader.attach("/chat", a.port, proxy.port(), r.streamId()));
            onB.add(ResumingReader.attach("/chat", b.port, proxy.port(), r.streamId()));
        }
        for (ResumingReader r : onA) {
            awaitEvents(r, 4);
        }
        for (ResumingReader r : onB) {
            awaitEvents(r, 4);
        }
        String draining = "Draining 3 replies for up to " + DRAIN_SECONDS + " s";
        long began = count(a, draining);
        long drained = count(a, "Drained in");
        a.undeployAll(Container.CHAT);
        List<Integer> healthWhileDraining = new ArrayList<>();
        assertTrue(Await.check(WAIT, () -> {
            boolean over = count(a, "Drained in") > drained;
            if (!over && count(a, draining) > began) {
                healthWhileDraining.add(Container.status(http, a.uri("/chat/api/health")));
            }
            return over;
        }), a.tail());
        assertFalse(healthWhileDraining.isEmpty(), "A's health was asked while it drained");
        assertTrue(healthWhileDraining.stream().allMatch(s -> s == 404 || s == 503),
                "A's health while it drained: " + healthWhileDraining);
        assertFalse(proxy.up(0), "the balancer took A out");

        for (ResumingReader r : onA) {
            r.done().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertWhole(r);
            assertTrue(r.resumed(), "A's reader reconnected: " + r.history());
            List<String> history = r.history();
            assertTrue(history.get(history.size() - 1).startsWith(proxy.port() + ": 200"),
                    "read to its end through the balancer: " + history);
        }
        for (ResumingReader r : onB) {
            r.done().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertWhole(r);
            assertFalse(r.resumed(), "B's reader read on: " + r.history());
        }
        List<String> log = consoleLines(a);
        assertTrue(log.stream().anyMatch(l -> l.matches(".*Drained in \\d+ ms: 3 replies finished, 0 ended as"
                + " interrupted.*")), String.join("\n", log));
        assertCleanLog(a);
    }

    /** Tomcat reports what a stopped webapp left behind (threads, thread-locals) as SEVERE; nothing else may fail. */
    private static void assertCleanLog(Container node) throws IOException {
        List<String> bad = consoleLines(node).stream()
                .filter(l -> l.contains("SEVERE") || l.contains("memory leak") || l.contains("Exception")).toList();
        assertTrue(bad.isEmpty(), node.name() + " logged:\n" + String.join("\n", bad));
    }

    /**
     * The reply, whole: every event once, seq 1 up by one, the same events as {@link #reference} (the demo is
     * deterministic), ending with {@code end}; refused, if ever, only with {@code 503} and {@code Retry-After}.
     */
    private void assertWhole(ResumingReader r) {
        List<Event> events = r.events();
        String context = r.history().toString();
        assertEquals(reference.size(), events.size(), "every event: " + context);
        SseRecorder.assertSequential(events, 1);
        for (int i = 0; i < events.size(); i++) {
            Event want = reference.get(i);
            Event got = events.get(i);
            assertEquals(want.type(), got.type(), "event " + (i + 1) + ": " + context);
            if (want.json().has("content")) {
                assertEquals(want.content(), got.content(), "event " + (i + 1) + ": " + context);
            }
        }
        Event end = events.get(events.size() - 1);
        assertEquals("end", end.type(), context);
        assertEquals("stop", end.json().get("finish_reason").asText(), context);
        assertTrue(r.refusals().stream().allMatch(s -> s.startsWith("503 Retry-After: ")), r.refusals().toString());
    }

    private static void awaitEvents(ResumingReader r, int n) {
        assertTrue(Await.until(WAIT, () -> r.events().size() >= n || r.done().isDone()), r.history().toString());
        assertTrue(r.events().size() >= n, r.history().toString());
    }

    private static void awaitReplies(List<ResumingReader> replies, int n) {
        assertTrue(Await.until(WAIT, () -> countOf(replies) >= n), "replies started: " + countOf(replies));
    }

    private static int countOf(List<ResumingReader> replies) {
        synchronized (replies) {
            return replies.size();
        }
    }

    /** Lines of the node's console that hold {@code text}: the webapp's log, once each. */
    private static long count(Container node, String text) throws IOException {
        return consoleLines(node).stream().filter(l -> l.contains(text)).count();
    }

    private static List<String> consoleLines(Container node) throws IOException {
        return Files.readAllLines(node.consoleLog(), StandardCharsets.UTF_8);
    }
}
