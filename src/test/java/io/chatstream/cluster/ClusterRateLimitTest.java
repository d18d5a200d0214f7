package io.chatstream.cluster;

import io.chatstream.testing.Await;
import io.chatstream.testing.SseRecorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two dev servers, two JVM processes, one real {@code redis-server}: one window for the client across both nodes;
 * with Redis stopped, a new reply gets {@code 503} with {@code Retry-After} (the nodes share their streams through
 * Redis too) and each node says so once; with Redis back, the window holds again.
 */
@Timeout(180)
class ClusterRateLimitTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration T = Duration.ofSeconds(20);

    private static HttpResponse<String> post(DevServerProcess node, String text) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(node.uri("/api/chat")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"" + text + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A whole reply from {@code node}; asserts it was admitted and ended. */
    private static void reply(DevServerProcess node, String text) throws Exception {
        HttpResponse<String> r = post(node, text);
        assertEquals(200, r.statusCode(), r.body() + node.output());
        assertTrue(r.body().contains("\"type\":\"end\""), r.body());
    }

    @Test
    void theWindowIsSharedAndAnOutageIsLoggedOnce() throws Exception {
        assumeTrue(RedisServer.available() || System.getenv("CI") != null, "redis-server is not installed");
        try (RedisServer redis = RedisServer.start()) {
            // a cluster's conversations need a shared database; these nodes keep none
            Map<String, String> settings = Map.of("chat.cluster.redis-url", redis.url(),
                    "chat.limits.replies-per-minute", "3", "chat.demo.tokens-per-second", "1000",
                    "chat.store.url", "off");
            // started side by side
            try (DevServerProcess a = DevServerProcess.launch("a", settings);
                 DevServerProcess b = DevServerProcess.launch("b", settings)) {
                for (DevServerProcess node : new DevServerProcess[] {a, b}) {
                    node.awaitListening();
                    assertTrue(Await.until(T, () -> node.lines("Connected to Redis at " + redis.url()) == 1),
                            node::output);
                }
                reply(a, "one");
                reply(b, "two");
                reply(a, "three");
                for (DevServerProcess node : new DevServerProcess[] {b, a}) {
                    HttpResponse<String> refused = post(node, "four");
                    assertEquals(429, refused.statusCode(), refused.body());
                    assertTrue(refused.body().contains("\"rate_limited\""), refused.body());
                    long retry = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
                    assertTrue(retry >= 55 && retry <= 60, "the first start was on the other node: " + retry);
                    assertTrue(refused.headers().firstValue("RateLimit").orElseThrow().startsWith("\"minute\";r=0;"));
                }

                // a node that started before it could reach Redis logged that too: count from here
                long[] outages = {a.lines("cannot be reached"), b.lines("cannot be reached")};
                long[] returns = {a.lines("is back"), b.lines("is back")};
                redis.stop();
                for (int i = 0; i < 3; i++) {
                    for (DevServerProcess node : new DevServerProcess[] {a, b}) {
                        HttpResponse<String> away = post(node, "during the outage " + i);
                        assertEquals(503, away.statusCode(), away.body());
                        assertTrue(away.headers().firstValue("Retry-After").isPresent());
                    }
                }
                assertEquals(outages[0] + 1, a.lines("cannot be reached"), a.output());
                assertEquals(outages[1] + 1, b.lines("cannot be reached"), b.output());

                redis.restart();
                assertTrue(Await.until(T, () -> a.lines("is back") == returns[0] + 1), a::output);
                assertTrue(Await.until(T, () -> b.lines("is back") == returns[1] + 1), b::output);
                reply(a, "after");
                reply(b, "after");
                reply(a, "after");
                HttpResponse<String> refusedAgain = post(b, "after");
                assertEquals(429, refusedAgain.statusCode(), "the new Redis counts the window again");
                assertEquals(outages[0] + 1, a.lines("cannot be reached"), "one line per outage");
                assertEquals(outages[1] + 1, b.lines("cannot be reached"), "one line per outage");
                assertEquals(returns[0] + 1, a.lines("is back"), "one line per return");
                assertEquals(returns[1] + 1, b.lines("is back"), "one line per return");
            }
        }
    }
}
