package io.chatstream.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.stream.ChatStream;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.chatstream.security.Api.assertError;
import static io.chatstream.security.Api.open;
import static io.chatstream.security.Api.post;
import static io.chatstream.security.Api.prompt;
import static io.chatstream.security.Api.send;
import static io.chatstream.security.Api.stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code chat.auth.mode=token} over real HTTP: 401 without an accepted bearer token, health open, and every stream
 * bound to the token that started it: any other gets the same 404 as for an id that never existed, on attach,
 * resume, cancel and Idempotency-Key alike.
 */
class TokenAuthTest {

    private static final Duration T = Duration.ofSeconds(10);
    private static final String ALPHA = "alpha-7f3c2e9a41d8b6";
    private static final String BETA = "beta-0b5d7e1c93a2f4";
    private static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(Map.of("chat.auth.mode", "token", "chat.auth.tokens", ALPHA + ", " + BETA,
                "chat.demo.tokens-per-second", "20", "chat.stream.detach-grace-seconds", "30",
                "chat.limits.max-streams-per-client", "3"));
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    private static HttpRequest.Builder as(String token, HttpRequest.Builder b) {
        return b.header("Authorization", "Bearer " + token);
    }

    @Test
    void everyApiCallWithoutAnAcceptedTokenIs401WithABearerChallenge() throws Exception {
        List<String> refused = List.of("", "Bearer", "Bearer ", "Bearer wrong", "Bearer " + ALPHA + "x",
                "Bearer " + ALPHA.substring(0, 10), "Basic " + Base64.getEncoder().encodeToString(
                        (":" + ALPHA).getBytes(StandardCharsets.UTF_8)), ALPHA, "Token " + ALPHA,
                "Bearer " + ALPHA + "," + BETA, "Bearer " + ALPHA.toUpperCase(Locale.ROOT));
        int running = s.app().registry().running();
        for (String authorization : refused) {
            List<HttpRequest.Builder> calls = List.of(post(s, "{\"message\":\"x\"}"), prompt(s, "x"),
                    stream(s, "AAAAAAAAAAAAAAAAAAAAAA"), stream(s, "AAAAAAAAAAAAAAAAAAAAAA").DELETE());
            for (HttpRequest.Builder call : calls) {
                if (!authorization.isEmpty()) {
                    call.header("Authorization", authorization);
                }
                HttpResponse<String> resp = send(call);
                assertEquals(401, resp.statusCode(), "Authorization: " + authorization + " on " + call.build());
                assertError(resp, 401, "unauthorized");
                String challenge = resp.headers().firstValue("WWW-Authenticate").orElse("");
                assertTrue(challenge.startsWith("Bearer"), "RFC 6750 challenge: " + challenge);
                assertFalse(resp.body().contains(ALPHA) || resp.body().contains(BETA), "no token echoed");
            }
        }
        assertEquals(running, s.app().registry().running(), "no refused call started a generation");
    }

    /**
     * Jetty's per-connection header cache matches values without case by default, so a value differing only in case
     * from one seen earlier on the same connection would reach the app as the earlier one; the server turns that off.
     */
    @Test
    void aTokenOrStreamIdDifferingOnlyInCaseIsRefusedOnAConnectionThatCarriedTheRightOne() throws Exception {
        HttpClient oneConnection = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1).build();
        String upper = ALPHA.toUpperCase(Locale.ROOT);
        String id;
        try (SseRecorder r = SseRecorder.open(oneConnection, as(ALPHA, prompt(s, "case")).build())) {
            id = r.header("X-Stream-Id");
            r.nextEvent(T);
        }
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> rightCase = oneConnection.send(as(ALPHA, stream(s, "AAAAAAAAAAAAAAAAAAAAAA")
                    .DELETE()).build(), HttpResponse.BodyHandlers.ofString());
            assertError(rightCase, 404, "not_found");
            HttpResponse<String> wrongCase = oneConnection.send(as(upper, stream(s, id).DELETE()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertError(wrongCase, 401, "unauthorized");
        }
        ChatStream stream = s.app().registry().find(id);
        assertFalse(stream.isTerminated(), "the wrong-case DELETEs cancelled nothing");
        assertEquals(204, oneConnection.send(as(ALPHA, stream(s, id).DELETE()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        String last = id + ":" + stream.lastSeq();
        HttpResponse<String> right = oneConnection.send(as(ALPHA, stream(s, id).header("Last-Event-ID", last))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, right.statusCode(), "everything was delivered");
        String flipped = flipCase(id);
        assertNotEquals(id, flipped);
        HttpResponse<String> other = oneConnection.send(as(ALPHA, stream(s, id).header("Last-Event-ID",
                flipped + ":" + stream.lastSeq())).build(), HttpResponse.BodyHandlers.ofString());
        assertError(other, 400, "invalid_request");
    }

    private static String flipCase(String id) {
        StringBuilder b = new StringBuilder(id.length());
        for (char c : id.toCharArray()) {
            b.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
        }
        return b.toString();
    }

    @Test
    void theSchemeIsCaseInsensitive() throws Exception {
        try (SseRecorder r = open(prompt(s, "scheme").header("Authorization", "bearer " + ALPHA))) {
            assertEquals(200, r.status());
            assertEquals("start", r.nextEvent(T).type());
            send(as(ALPHA, stream(s, r.header("X-Stream-Id")).DELETE()));
        }
    }

    @Test
    void healthStaysOpen() throws Exception {
        HttpResponse<String> resp = send(HttpRequest.newBuilder(s.uri("/api/health")));
        assertEquals(200, resp.statusCode());
        assertEquals("ok", SseRecorder.JSON.readTree(resp.body()).get("status").asText());
    }

    @Test
    void anotherTokensStreamIsA404LikeAnIdThatNeverExisted() throws Exception {
        String never = "AAAAAAAAAAAAAAAAAAAAAA";
        String neverBody = assertError(send(as(BETA, stream(s, never))), 404, "not_found").toString();
        try (SseRecorder mine = open(as(ALPHA, post(s, "{\"message\":\"mine\"}").header("Idempotency-Key", "k-1")))) {
            assertEquals(200, mine.status());
            String id = mine.header("X-Stream-Id");
            Event first = mine.nextEvent(T);
            Event second = mine.nextEvent(T);
            ChatStream stream = s.app().registry().find(id);

            List<HttpRequest.Builder> probes = List.of(
                    stream(s, id),
                    stream(s, id).header("Last-Event-ID", id + ":" + first.seq()),
                    stream(s, id + "?lastEventId=" + id + ":1"),
                    prompt(s, "x").header("Last-Event-ID", second.id()),
                    HttpRequest.newBuilder(s.uri("/api/chat?prompt=x&lastEventId=" + id + ":1")),
                    post(s, "{\"message\":\"x\"}").header("Last-Event-ID", first.id()),
                    stream(s, id).DELETE());
            for (HttpRequest.Builder probe : probes) {
                HttpResponse<String> resp = send(as(BETA, probe));
                JsonNode error = assertError(resp, 404, "not_found");
                assertEquals(neverBody, error.toString(), "the same answer as for an id that never existed");
            }
            // the Last-Event-ID beyond the end is a 400 for the owner; for another token it must not reveal that
            assertError(send(as(BETA, stream(s, id).header("Last-Event-ID", id + ":999999"))), 404, "not_found");

            assertFalse(stream.isTerminated(), "another token's DELETE did not cancel the stream");
            Event next = mine.nextEvent(T);
            assertEquals(second.seq() + 1, next.seq(), "the owner's stream went on");

            // Idempotency-Key is per principal: the same key from another token starts that token's own stream
            try (SseRecorder theirs = open(as(BETA, post(s, "{\"message\":\"theirs\"}")
                    .header("Idempotency-Key", "k-1")))) {
                assertEquals(200, theirs.status());
                assertNotEquals(id, theirs.header("X-Stream-Id"));
                assertEquals(theirs.header("X-Stream-Id"), theirs.nextEvent(T).json().get("stream_id").asText());
            }
            try (SseRecorder again = open(as(ALPHA, post(s, "{\"message\":\"mine\"}")
                    .header("Idempotency-Key", "k-1")))) {
                assertEquals(id, again.header("X-Stream-Id"), "the owner's retry attaches to its stream");
            }
            assertError(send(as(ALPHA, post(s, "{\"message\":\"again\"}").header("Idempotency-Key", "k-1"))), 422,
                    "idempotency_key_reused");

            // the owner may attach, resume and cancel
            try (SseRecorder attach = open(as(ALPHA, stream(s, id).header("Last-Event-ID", first.id())))) {
                assertEquals(200, attach.status());
                assertEquals(first.seq() + 1, attach.nextEvent(T).seq());
            }
            assertEquals(204, send(as(ALPHA, stream(s, id).DELETE())).statusCode());
            List<Event> rest = mine.readToEnd(T);
            assertEquals("cancelled", rest.get(rest.size() - 1).json().get("finish_reason").asText());
        }
    }

    @Test
    void limitsCountPerToken() throws Exception {
        List<SseRecorder> alpha = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                SseRecorder r = open(as(ALPHA, prompt(s, "limit " + i)));
                alpha.add(r);
                assertEquals(200, r.status());
            }
            HttpResponse<String> fourth = send(as(ALPHA, prompt(s, "one too many")));
            assertError(fourth, 429, "too_many_streams");
            assertTrue(fourth.headers().firstValue("Retry-After").isPresent());
            try (SseRecorder beta = open(as(BETA, prompt(s, "beta's own")))) {
                assertEquals(200, beta.status(), "another token from the same address has its own limit");
            }
        } finally {
            for (SseRecorder r : alpha) {
                send(as(ALPHA, stream(s, r.header("X-Stream-Id")).DELETE()));
                r.close();
            }
        }
    }
}
