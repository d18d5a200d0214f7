package io.chatstream.security;

import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.chatstream.security.Api.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The browser-side rules on the page, its assets and the API: a Content-Security-Policy that allows scripts from the
 * server only and lets only the allowed origins frame the page, {@code nosniff}; and no folder listings.
 */
@Execution(ExecutionMode.CONCURRENT)
class SecurityHeadersTest {

    private static final List<String> PATHS = List.of("/", "/?embed=1", "/assets/chat.js", "/assets/chat.css",
            "/embed.js", "/diagnostics.html", "/webjars/marked/17.0.1/lib/marked.umd.js", "/api/health",
            "/no/such/page");

    /** The directives of a policy, by name. */
    private static Map<String, Set<String>> directives(String policy) {
        return Arrays.stream(policy.split(";")).map(String::trim).filter(d -> !d.isEmpty())
                .collect(Collectors.toMap(d -> d.split("\\s+")[0],
                        d -> Set.of(Arrays.copyOfRange(d.split("\\s+"), 1, d.split("\\s+").length))));
    }

    private static Map<String, Set<String>> policyOf(TestServer s, String path) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(s.uri(path)));
        assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(null), path);
        String policy = r.headers().firstValue("Content-Security-Policy").orElse(null);
        assertTrue(policy != null, path + " has no Content-Security-Policy");
        Map<String, Set<String>> d = directives(policy);
        assertEquals(Set.of("'self'"), d.get("script-src"), path + ": " + policy);
        assertEquals(Set.of("'none'"), d.get("object-src"), path + ": " + policy);
        assertEquals(Set.of("'self'"), d.get("base-uri"), path + ": " + policy);
        assertFalse(policy.contains("unsafe-inline") || policy.contains("unsafe-eval"), path + ": " + policy);
        return d;
    }

    @Test
    void withoutAllowedOriginsOnlyTheServerItselfMayFrameThePage() throws Exception {
        try (TestServer s = TestServer.start(Map.of())) {
            for (String path : PATHS) {
                assertEquals(Set.of("'self'"), policyOf(s, path).get("frame-ancestors"), path);
            }
            assertEquals("SAMEORIGIN", send(HttpRequest.newBuilder(s.uri("/"))).headers()
                    .firstValue("X-Frame-Options").orElse(null));
        }
    }

    @Test
    void theAllowedOriginsMayFrameThePageAndNoOneElse() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.cors.allowed-origins",
                "https://portal.example.com,http://intranet.example:8080"))) {
            for (String path : PATHS) {
                assertEquals(Set.of("'self'", "https://portal.example.com", "http://intranet.example:8080"),
                        policyOf(s, path).get("frame-ancestors"), path);
            }
            assertTrue(send(HttpRequest.newBuilder(s.uri("/"))).headers().firstValue("X-Frame-Options").isEmpty(),
                    "X-Frame-Options cannot name the allowed origins; frame-ancestors does");
        }
    }

    @Test
    void withAnyOriginAllowedAnyPageMayFrameIt() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.cors.allowed-origins", "*"))) {
            assertEquals(Set.of("*"), policyOf(s, "/").get("frame-ancestors"));
        }
    }

    @Test
    void noFolderIsListed() throws Exception {
        try (TestServer s = TestServer.start(Map.of())) {
            for (String folder : List.of("/assets/", "/webjars/", "/webjars/marked/", "/webjars/marked/17.0.1/lib/",
                    "/WEB-INF/", "/META-INF/")) {
                HttpResponse<String> r = send(HttpRequest.newBuilder(s.uri(folder)));
                assertEquals(404, r.statusCode(), folder + ": " + r.body());
                assertFalse(r.body().contains("chat.js") || r.body().contains("marked"), folder + ": " + r.body());
            }
        }
    }
}
