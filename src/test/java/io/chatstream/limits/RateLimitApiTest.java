package io.chatstream.limits;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;
import io.chatstream.testing.TestServer;
import io.chatstream.web.ChatContextListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The limits on new replies over real HTTP: the dev server on port 0 with a manual clock for its window, the OpenAI
 * backend against a fake upstream that counts the replies it is asked for.
 */
@Timeout(60)
@Execution(ExecutionMode.CONCURRENT)
class RateLimitApiTest {

    private static final Duration T = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Instant START = Instant.parse("2026-12-03T18:00:00Z");

    private final ManualClock clock = new ManualClock(START);
    private final AtomicInteger upstreamCalls = new AtomicInteger();
    /** Chunks of every upstream reply, and the completion_tokens its usage reports (-1: no usage). */
    private volatile List<String> chunks = List.of("Hel", "lo");
    private volatile int usageTokens = -1;
    private FakeUpstream fake;
    private TestServer server;

    @BeforeEach
    void upstream() throws Exception {
        fake = FakeUpstream.start(ex -> {
            upstreamCalls.incrementAndGet();
            StringBuilder body = new StringBuilder();
            for (String c : chunks) {
                body.append("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"").append(c)
                        .append("\"}}]}\n\n");
            }
            body.append("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
            if (usageTokens >= 0) {
                body.append("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":")
                        .append(usageTokens).append("}}\n\n");
            }
            body.append("data: [DONE]\n\n");
            ex.respondFully(200, "text/event-stream", body.toString());
        });
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        fake.close();
    }

    private void start(Map<String, String> extra) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("chat.backend", "openai",
                "chat.openai.base-url", fake.url("/v1"), "chat.openai.api-key", "sk-limits-test",
                "chat.openai.model", "m", "chat.stream.detach-grace-seconds", "30"));
        settings.putAll(extra);
        server = TestServer.start(settings, webapp -> webapp.setAttribute(ChatContextListener.CLOCK_ATTRIBUTE, clock));
    }

    private HttpRequest.Builder post(String message) {
        return HttpRequest.newBuilder(server.uri("/api/chat")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"" + message + "\"}"));
    }

    /** A reply read to its end; asserts it was admitted. */
    private List<Event> reply(HttpRequest.Builder b) throws Exception {
        try (SseRecorder r = SseRecorder.open(HTTP, b.build())) {
            assertEquals(200, r.status(), "admitted");
            return r.readToEnd(T);
        }
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Asserts a 429 rate_limited with its headers; returns the message. */
    private static String assertRateLimited(HttpResponse<String> resp, long retryAfter) throws Exception {
        assertEquals(429, resp.statusCode(), resp.body());
        JsonNode error = SseRecorder.JSON.readTree(resp.body()).get("error");
        assertEquals("rate_limited", error.get("code").asText());
        assertEquals(Long.toString(retryAfter), resp.headers().firstValue("Retry-After").orElse(""));
        assertTrue(resp.headers().firstValue("RateLimit-Policy").isPresent(), resp.headers().map().toString());
        assertTrue(resp.headers().firstValue("RateLimit").isPresent(), resp.headers().map().toString());
        return error.get("message").asText();
    }

    @Test
    void theThirdReplyInAMinuteIsRefusedWithItsWaitAndAcceptedAfterIt() throws Exception {
        start(Map.of("chat.limits.replies-per-minute", "2"));
        try (SseRecorder first = SseRecorder.open(HTTP, post("one").build())) {
            assertEquals(200, first.status());
            String pk = RateLimitFields.partitionKey("127.0.0.1");
            assertEquals("\"minute\";q=2;w=60;pk=" + pk, first.header("RateLimit-Policy"));
            assertEquals("\"minute\";r=1;t=60;pk=" + pk, first.header("RateLimit"));
            first.readToEnd(T);
        }
        clock.advance(Duration.ofSeconds(17));
        try (SseRecorder second = SseRecorder.open(HTTP, post("two").build())) {
            assertTrue(second.header("RateLimit").startsWith("\"minute\";r=0;t=43;"), second.header("RateLimit"));
            second.readToEnd(T);
        }
        HttpResponse<String> refused = send(post("three"));
        String message = assertRateLimited(refused, 43);
        assertEquals("You have reached the limit of 2 replies a minute; try again in 43 s.", message);
        assertTrue(refused.headers().firstValue("RateLimit").orElseThrow().startsWith("\"minute\";r=0;t=43;"));
        assertEquals(2, upstreamCalls.get(), "the refused reply asked nothing upstream");

        clock.advance(Duration.ofSeconds(42));
        assertRateLimited(send(post("four")), 1);
        clock.advance(Duration.ofSeconds(1));
        List<Event> fifth = reply(post("five"));
        assertEquals("stop", fifth.get(fifth.size() - 1).json().get("finish_reason").asText(),
                "accepted after Retry-After");
        assertEquals(3, upstreamCalls.get());

        HttpResponse<String> metrics = send(HttpRequest.newBuilder(server.uri("/api/metrics")));
        assertTrue(metrics.body().contains("chat_rate_limited_total{limit=\"replies-per-minute\"} 2"),
                metrics.body());
        assertTrue(metrics.body().contains("chat_rate_limited_total{limit=\"tokens-per-day\"} 0"));
    }

    @Test
    void resumesAttachesAndIdempotentRepeatsAreNotNewReplies() throws Exception {
        start(Map.of("chat.limits.replies-per-minute", "1"));
        String id;
        try (SseRecorder r = SseRecorder.open(HTTP, post("once").header("Idempotency-Key", "k-1").build())) {
            assertEquals(200, r.status());
            id = r.header("X-Stream-Id");
            r.nextEvent(T);
        }
        try (SseRecorder repeat = SseRecorder.open(HTTP, post("once").header("Idempotency-Key", "k-1").build())) {
            assertEquals(200, repeat.status(), "a repeat of the key attaches");
            assertEquals(id, repeat.header("X-Stream-Id"));
            repeat.readToEnd(T);
        }
        try (SseRecorder attach = SseRecorder.open(HTTP,
                HttpRequest.newBuilder(server.uri("/api/chat/streams/" + id)).build())) {
            assertEquals(200, attach.status(), "an attach");
            attach.readToEnd(T);
        }
        HttpResponse<String> resumed = send(HttpRequest.newBuilder(server.uri("/api/chat/streams/" + id))
                .header("Last-Event-ID", id + ":1"));
        assertEquals(200, resumed.statusCode(), "a resume");
        HttpResponse<String> resumedOnPrompt = send(HttpRequest.newBuilder(server.uri("/api/chat?prompt=x"))
                .header("Last-Event-ID", id + ":1"));
        assertEquals(200, resumedOnPrompt.statusCode(), "a resume on the EventSource URL");
        assertEquals(1, upstreamCalls.get());
        assertRateLimited(send(post("new")), 60);
        assertRateLimited(send(post("new").header("Idempotency-Key", "k-2")), 60);
        assertEquals(1, upstreamCalls.get());
    }

    @Test
    void twoPrincipalsAreCountedApart() throws Exception {
        start(Map.of("chat.limits.replies-per-minute", "1", "chat.auth.mode", "token",
                "chat.auth.tokens", "alpha-token-1a2b3c, beta-token-4d5e6f"));
        reply(post("a").header("Authorization", "Bearer alpha-token-1a2b3c"));
        reply(post("b").header("Authorization", "Bearer beta-token-4d5e6f"));
        assertRateLimited(send(post("a").header("Authorization", "Bearer alpha-token-1a2b3c")), 60);
        assertRateLimited(send(post("b").header("Authorization", "Bearer beta-token-4d5e6f")), 60);
        assertEquals(401, send(post("c")).statusCode(), "no token: unauthorized, not counted");
    }

    @Test
    void twoAddressesBehindATrustedProxyAreCountedApart() throws Exception {
        start(Map.of("chat.limits.replies-per-minute", "1", "chat.limits.trusted-proxies", "127.0.0.1"));
        reply(post("a").header("X-Forwarded-For", "203.0.113.5"));
        reply(post("b").header("X-Forwarded-For", "203.0.113.6"));
        assertRateLimited(send(post("a").header("X-Forwarded-For", "203.0.113.5")), 60);
        assertRateLimited(send(post("a").header("X-Forwarded-For", "198.51.100.1, 203.0.113.5")), 60);
        reply(post("c").header("X-Forwarded-For", "203.0.113.7"));
        assertEquals(3, upstreamCalls.get());
    }

    @Test
    void theDayRefusesTheReplyAfterTheOneThatCrossedItAndThatOneIsWhole() throws Exception {
        start(Map.of("chat.limits.tokens-per-day", "10"));
        usageTokens = 8;
        reply(post("one"));
        chunks = List.of("a", "b", "c", "d", "e", "f");
        List<Event> crossing = reply(post("two"));
        assertEquals("abcdef", SseRecorder.text(crossing, "chunk"), "the reply that crossed the quota, whole");
        assertEquals("stop", crossing.get(crossing.size() - 1).json().get("finish_reason").asText());
        HttpResponse<String> refused = send(post("three"));
        String message = assertRateLimited(refused, 6 * 3600);
        assertEquals("Today's allowance of 10 tokens is used up; it renews at 00:00 UTC.", message);
        String pk = RateLimitFields.partitionKey("127.0.0.1");
        assertEquals("\"day\";r=0;t=21600;pk=" + pk, refused.headers().firstValue("RateLimit").orElseThrow());
        assertEquals("\"day\";q=10;w=86400;pk=" + pk, refused.headers().firstValue("RateLimit-Policy").orElseThrow());
        assertEquals(2, upstreamCalls.get(), "the refused reply asked nothing upstream");
        clock.set(Instant.parse("2026-12-04T00:00:00Z"));
        reply(post("next day"));
        assertEquals(3, upstreamCalls.get());
    }

    @Test
    void withoutUsageTheChunksAreCounted() throws Exception {
        start(Map.of("chat.limits.tokens-per-day", "3"));
        chunks = List.of("a", "b");
        reply(post("one"));
        reply(post("two"));
        assertRateLimited(send(post("three")), 6 * 3600);
        assertEquals(2, upstreamCalls.get());
    }

    @Test
    void anAllowedOriginCanReadTheLimitFields() throws Exception {
        start(Map.of("chat.limits.replies-per-minute", "1", "chat.cors.allowed-origins", "https://portal.example"));
        reply(post("a").header("Origin", "https://portal.example"));
        HttpResponse<String> refused = send(post("b").header("Origin", "https://portal.example"));
        assertRateLimited(refused, 60);
        String exposed = refused.headers().firstValue("Access-Control-Expose-Headers").orElse("");
        for (String h : List.of("X-Stream-Id", "RateLimit", "RateLimit-Policy", "Retry-After")) {
            assertTrue(List.of(exposed.split(",\\s*")).contains(h), exposed);
        }
    }

    @Test
    void theStreamLimitsKeepTheirCodesAndARefusalThereCostsNoReply() throws Exception {
        start(Map.of("chat.limits.replies-per-minute", "2", "chat.limits.max-streams-per-client", "1",
                "chat.backend", "demo", "chat.demo.tokens-per-second", "2"));
        try (SseRecorder running = SseRecorder.open(HTTP, post("slow").build())) {
            assertEquals(200, running.status());
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> tooMany = send(post("second"));
                assertEquals(429, tooMany.statusCode());
                assertTrue(tooMany.body().contains("\"too_many_streams\""), tooMany.body());
                assertFalse(tooMany.headers().firstValue("RateLimit").isPresent(), "not a rate limit's answer");
            }
            HttpResponse<Void> cancelled = HTTP.send(HttpRequest.newBuilder(
                    server.uri("/api/chat/streams/" + running.header("X-Stream-Id"))).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(204, cancelled.statusCode());
            running.readToEnd(T);
        }
        try (SseRecorder second = SseRecorder.open(HTTP, post("second again").build())) {
            assertEquals(200, second.status(), "the stream limit's two refusals did not count as replies");
        }
    }

    @Test
    void offByDefaultNothingIsCountedNorAdded() throws Exception {
        start(Map.of());
        for (int i = 0; i < 5; i++) {
            try (SseRecorder r = SseRecorder.open(HTTP, post("free").build())) {
                assertEquals(200, r.status());
                assertEquals(null, r.header("RateLimit"));
                r.readToEnd(T);
            }
        }
    }
}
