package io.chatstream.security;

import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC section 7 over real HTTP: the CORS headers of every {@code /api/*} answer (streams, errors, health, 404s) for an
 * allowed origin, none at all for any other, preflights, and {@code *}.
 */
@Execution(ExecutionMode.CONCURRENT)
class CorsTest {

    private static final Duration T = Duration.ofSeconds(10);
    static final String PORTAL = "https://portal.example.com";
    static final String OTHER = "https://evil.example.net";
    private static final HttpClient http = HttpClient.newHttpClient();

    static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest.Builder preflight(TestServer s, String path, String origin, String method) {
        return HttpRequest.newBuilder(s.uri(path)).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin).header("Access-Control-Request-Method", method)
                .header("Access-Control-Request-Headers", "content-type, authorization, last-event-id");
    }

    /** The answers one allowed origin gets: every /api answer, streams and errors too. */
    static List<HttpHeaders> answersTo(TestServer s, String origin) throws Exception {
        List<HttpHeaders> all = new ArrayList<>();
        try (SseRecorder r = SseRecorder.open(http, HttpRequest.newBuilder(s.uri("/api/chat"))
                .header("Origin", origin).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"cors\"}")).build())) {
            assertEquals(200, r.status());
            all.add(r.response().headers());
            String id = r.header("X-Stream-Id");
            r.readToEnd(T);
            try (SseRecorder attach = SseRecorder.open(http, HttpRequest.newBuilder(
                    s.uri("/api/chat/streams/" + id)).header("Origin", origin).build())) {
                assertEquals(200, attach.status());
                all.add(attach.response().headers());
                attach.readToEnd(T);
            }
            HttpResponse<String> done = send(HttpRequest.newBuilder(s.uri("/api/chat/streams/" + id))
                    .header("Origin", origin).header("Last-Event-ID", id + ":" + 1_000));
            assertEquals(400, done.statusCode());
            all.add(done.headers());
            HttpResponse<String> delete = send(HttpRequest.newBuilder(s.uri("/api/chat/streams/" + id))
                    .header("Origin", origin).DELETE());
            assertEquals(204, delete.statusCode());
            all.add(delete.headers());
        }
        HttpResponse<String> bad = send(HttpRequest.newBuilder(s.uri("/api/chat")).header("Origin", origin)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{")));
        assertEquals(400, bad.statusCode());
        all.add(bad.headers());
        HttpResponse<String> form = send(HttpRequest.newBuilder(s.uri("/api/chat")).header("Origin", origin)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("message=x")));
        assertEquals(415, form.statusCode(), "a plain HTML form of another site cannot start a reply");
        all.add(form.headers());
        HttpResponse<String> notFound = send(HttpRequest.newBuilder(s.uri("/api/chat/streams/AAAAAAAAAAAAAAAAAAAAAA"))
                .header("Origin", origin));
        assertEquals(404, notFound.statusCode());
        all.add(notFound.headers());
        HttpResponse<String> nowhere = send(HttpRequest.newBuilder(s.uri("/api/nowhere")).header("Origin", origin));
        assertEquals(404, nowhere.statusCode());
        all.add(nowhere.headers());
        HttpResponse<String> method = send(HttpRequest.newBuilder(s.uri("/api/chat")).header("Origin", origin)
                .PUT(HttpRequest.BodyPublishers.ofString("{}")));
        assertEquals(405, method.statusCode());
        all.add(method.headers());
        HttpResponse<String> health = send(HttpRequest.newBuilder(s.uri("/api/health")).header("Origin", origin));
        assertEquals(200, health.statusCode());
        all.add(health.headers());
        return all;
    }

    static void assertNoCorsHeader(HttpHeaders h) {
        for (String name : h.map().keySet()) {
            assertFalse(name.toLowerCase(Locale.ROOT).startsWith("access-control-"),
                    "no CORS header for another origin: " + h.map());
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class NamedOriginsWithCredentials {

        private TestServer s;

        @BeforeAll
        void start() throws Exception {
            s = TestServer.start(Map.of("chat.cors.allowed-origins", PORTAL + ", http://localhost:3000",
                    "chat.cors.allow-credentials", "true", "chat.demo.tokens-per-second", "1000",
                    "chat.limits.max-streams-per-client", "100"));
        }

        @AfterAll
        void stop() throws Exception {
            s.close();
        }

        @Test
        void everyAnswerToAnAllowedOriginCarriesTheCorsHeaders() throws Exception {
            for (String origin : List.of(PORTAL, "http://localhost:3000")) {
                for (HttpHeaders h : answersTo(s, origin)) {
                    assertEquals(List.of(origin), h.allValues("Access-Control-Allow-Origin"), h.map().toString());
                    assertTrue(h.allValues("Vary").stream().anyMatch(v -> v.contains("Origin")), h.map().toString());
                    assertEquals(List.of("X-Stream-Id, RateLimit, RateLimit-Policy, Retry-After"),
                            h.allValues("Access-Control-Expose-Headers"));
                    assertEquals(List.of("true"), h.allValues("Access-Control-Allow-Credentials"));
                }
            }
        }

        @Test
        void anotherOriginGetsNoCorsHeaderAtAll() throws Exception {
            for (String origin : List.of(OTHER, "null", PORTAL + ".evil.example.net", "http://portal.example.com",
                    PORTAL + ":443", PORTAL + "/", "https://PORTAL.example.com", "")) {
                for (HttpHeaders h : answersTo(s, origin)) {
                    assertNoCorsHeader(h);
                }
            }
        }

        @Test
        void aRequestWithoutOriginGetsNoCorsHeader() throws Exception {
            HttpResponse<String> health = send(HttpRequest.newBuilder(s.uri("/api/health")));
            assertNoCorsHeader(health.headers());
        }

        @Test
        void preflightFromAnAllowedOriginIs204WithMethodsHeadersAndMaxAge() throws Exception {
            for (String path : List.of("/api/chat", "/api/chat/streams/AAAAAAAAAAAAAAAAAAAAAA", "/api/health",
                    "/api/conversations/c1")) {
                for (String method : List.of("POST", "GET", "PATCH", "DELETE")) {
                    HttpResponse<String> resp = send(preflight(s, path, PORTAL, method));
                    assertEquals(204, resp.statusCode(), path + " " + method);
                    HttpHeaders h = resp.headers();
                    assertEquals(List.of(PORTAL), h.allValues("Access-Control-Allow-Origin"));
                    assertEquals(List.of("GET, POST, PATCH, DELETE"),
                            h.allValues("Access-Control-Allow-Methods"));
                    assertEquals(List.of("Content-Type, Authorization, Last-Event-ID, Accept, Idempotency-Key"),
                            h.allValues("Access-Control-Allow-Headers"));
                    long maxAge = Long.parseLong(h.firstValue("Access-Control-Max-Age").orElseThrow());
                    assertTrue(maxAge > 0, "a positive max age");
                    assertTrue(h.allValues("Vary").stream().anyMatch(v -> v.contains("Origin")));
                    assertEquals(List.of("true"), h.allValues("Access-Control-Allow-Credentials"));
                    assertEquals("", resp.body());
                    assertEquals(0, s.app().registry().running(), "a preflight never starts a generation");
                }
            }
        }

        @Test
        void preflightFromAnotherOriginIs403WithoutCorsHeaders() throws Exception {
            for (String origin : List.of(OTHER, "null", PORTAL + ".evil.example.net")) {
                HttpResponse<String> resp = send(preflight(s, "/api/chat", origin, "POST"));
                assertEquals(403, resp.statusCode(), origin);
                assertNoCorsHeader(resp.headers());
                assertEquals("forbidden",
                        SseRecorder.JSON.readTree(resp.body()).get("error").get("code").asText());
            }
        }

        @Test
        void optionsWithoutPreflightHeadersIsNoPreflight() throws Exception {
            HttpResponse<String> resp = send(HttpRequest.newBuilder(s.uri("/api/chat"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", PORTAL));
            assertEquals(405, resp.statusCode(), "a plain OPTIONS is a method the API does not take");
            assertEquals(List.of(PORTAL), resp.headers().allValues("Access-Control-Allow-Origin"));
        }
    }

    @Test
    void wildcardGivesAStarAndNoCredentials() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.cors.allowed-origins", "*",
                "chat.demo.tokens-per-second", "1000", "chat.limits.max-streams-per-client", "100"))) {
            for (String origin : List.of(PORTAL, OTHER, "null")) {
                for (HttpHeaders h : answersTo(s, origin)) {
                    assertEquals(List.of("*"), h.allValues("Access-Control-Allow-Origin"));
                    assertTrue(h.allValues("Vary").stream().anyMatch(v -> v.contains("Origin")));
                    assertEquals(List.of("X-Stream-Id, RateLimit, RateLimit-Policy, Retry-After"),
                            h.allValues("Access-Control-Expose-Headers"));
                    assertTrue(h.allValues("Access-Control-Allow-Credentials").isEmpty(), h.map().toString());
                }
                HttpResponse<String> pre = send(preflight(s, "/api/chat", origin, "POST"));
                assertEquals(204, pre.statusCode());
                assertEquals(List.of("*"), pre.headers().allValues("Access-Control-Allow-Origin"));
                assertNull(pre.headers().firstValue("Access-Control-Allow-Credentials").orElse(null));
            }
        }
    }

    @Test
    void namedOriginsWithoutCredentialsSendNoCredentialsHeader() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.cors.allowed-origins", PORTAL,
                "chat.demo.tokens-per-second", "1000", "chat.limits.max-streams-per-client", "100"))) {
            for (HttpHeaders h : answersTo(s, PORTAL)) {
                assertEquals(List.of(PORTAL), h.allValues("Access-Control-Allow-Origin"));
                assertTrue(h.allValues("Access-Control-Allow-Credentials").isEmpty(), h.map().toString());
            }
            assertTrue(send(preflight(s, "/api/chat", PORTAL, "POST")).headers()
                    .allValues("Access-Control-Allow-Credentials").isEmpty());
        }
    }

    @Test
    void byDefaultNoOriginIsAllowed() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.demo.tokens-per-second", "1000",
                "chat.limits.max-streams-per-client", "100"))) {
            for (String origin : List.of(PORTAL, "null", "http://127.0.0.1:" + s.port())) {
                for (HttpHeaders h : answersTo(s, origin)) {
                    assertNoCorsHeader(h);
                }
                HttpResponse<String> pre = send(preflight(s, "/api/chat", origin, "POST"));
                assertEquals(403, pre.statusCode());
                assertNoCorsHeader(pre.headers());
            }
        }
    }

    @Test
    void preflightIsAnsweredBeforeAuthAndTheApiAnswersCarryCorsHeadersWithAuthOn() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.cors.allowed-origins", PORTAL,
                "chat.auth.mode", "token", "chat.auth.tokens", "portal-token-1"))) {
            HttpResponse<String> pre = send(preflight(s, "/api/chat", PORTAL, "POST"));
            assertEquals(204, pre.statusCode(), "a preflight carries no credentials, so it is never a 401");
            HttpResponse<String> noToken = send(HttpRequest.newBuilder(s.uri("/api/chat?prompt=x"))
                    .header("Origin", PORTAL));
            assertEquals(401, noToken.statusCode());
            assertEquals(List.of(PORTAL), noToken.headers().allValues("Access-Control-Allow-Origin"),
                    "the page of an allowed origin can read why it was refused");
            assertEquals(403, send(preflight(s, "/api/chat", OTHER, "POST")).statusCode());
        }
    }

    @Test
    void aBrowserRequestFromAnotherSiteMayNotStartAReply() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.cors.allowed-origins", PORTAL,
                "chat.demo.tokens-per-second", "1000", "chat.limits.max-streams-per-client", "100"))) {
            // an <img src> or a link of another site: no Origin, but the browser says where it comes from
            for (String site : List.of("cross-site", "same-site", "CROSS-SITE")) {
                for (HttpRequest.Builder b : List.of(HttpRequest.newBuilder(s.uri("/api/chat?prompt=x")),
                        HttpRequest.newBuilder(s.uri("/api/chat?prompt=x")).header("Origin", OTHER),
                        HttpRequest.newBuilder(s.uri("/api/chat")).header("Origin", OTHER)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"x\"}")))) {
                    HttpResponse<String> resp = send(b.header("Sec-Fetch-Site", site));
                    assertEquals(403, resp.statusCode(), site);
                    assertNoCorsHeader(resp.headers());
                }
            }
            assertEquals(0, s.app().registry().running(), "no reply started");
            assertEquals(200, send(HttpRequest.newBuilder(s.uri("/api/health")).header("Sec-Fetch-Site",
                    "cross-site")).statusCode(), "health stays open");
            // the allowed origin, the page itself, a typed URL, and clients that are no browser
            for (HttpRequest.Builder b : List.of(
                    HttpRequest.newBuilder(s.uri("/api/chat?prompt=x")).header("Sec-Fetch-Site", "cross-site")
                            .header("Origin", PORTAL),
                    HttpRequest.newBuilder(s.uri("/api/chat?prompt=x")).header("Sec-Fetch-Site", "same-origin"),
                    HttpRequest.newBuilder(s.uri("/api/chat?prompt=x")).header("Sec-Fetch-Site", "none"),
                    HttpRequest.newBuilder(s.uri("/api/chat?prompt=x")))) {
                HttpResponse<String> resp = send(b);
                assertEquals(200, resp.statusCode());
                assertTrue(resp.body().contains("\"type\":\"end\""));
            }
        }
    }
}
