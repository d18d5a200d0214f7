package io.chatstream.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatstream.app.ChatApplication;
import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /api/models} over real HTTP against the dev server. */
@Execution(ExecutionMode.CONCURRENT)
class ModelsApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(TestServer server, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri("/api/models")).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theDemoBackendListsDemoAsItsDefault() throws Exception {
        try (TestServer server = TestServer.fastDemo()) {
            HttpResponse<String> r = get(server);
            assertEquals(200, r.statusCode());
            assertEquals("application/json;charset=utf-8", r.headers().firstValue("Content-Type").orElse("")
                    .toLowerCase().replace(" ", ""));
            assertEquals("{\"models\":[{\"id\":\"demo\",\"default\":true}]}", r.body());
        }
    }

    @Test
    void aBackendWithSeveralModelsListsThemWithItsDefaultFirstAndAsksOnceWithinTheCacheTime() throws Exception {
        try (TestServer server = TestServer.start(Map.of("chat.backend", "models-test",
                "chat.models-test.models", "model-a,model-b,model-c", "chat.models-test.default", "model-b"))) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = get(server);
                assertEquals(200, r.statusCode());
                JsonNode models = JSON.readTree(r.body()).get("models");
                assertEquals(3, models.size());
                assertEquals("model-b", models.get(0).get("id").asText());
                assertTrue(models.get(0).get("default").asBoolean());
                assertEquals("model-a", models.get(1).get("id").asText());
                assertFalse(models.get(1).get("default").asBoolean());
                assertEquals("model-c", models.get(2).get("id").asText());
            }
            assertEquals(1, backend(server).calls(), "the list is kept, not asked for again");
        }
    }

    @Test
    void concurrentRequestsWaitForAndShareOneUpstreamCall() throws Exception {
        try (TestServer server = TestServer.start(Map.of("chat.backend", "models-test",
                "chat.models-test.listing", "held"))) {
            ListingTestBackendProvider.Listing backend = backend(server);
            List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                waiting.add(client.sendAsync(HttpRequest.newBuilder(server.uri("/api/models"))
                        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            backend.asked().get(10, TimeUnit.SECONDS);
            assertTrue(waiting.stream().noneMatch(CompletableFuture::isDone), "answered before the provider did");
            backend.release();
            for (CompletableFuture<HttpResponse<String>> f : waiting) {
                HttpResponse<String> r = f.get(20, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode());
                assertEquals("model-a", JSON.readTree(r.body()).get("models").get(0).get("id").asText());
            }
            assertEquals(1, backend.calls(), "one upstream call for every request");
        }
    }

    @Test
    void aProviderThatCannotListIs503WithRetryAfterAndAskedAgainOnlyAfterTheHold() throws Exception {
        try (TestServer server = TestServer.start(Map.of("chat.backend", "models-test",
                "chat.models-test.listing", "fail"))) {
            HttpResponse<String> r = get(server);
            assertEquals(503, r.statusCode());
            assertEquals(String.valueOf(ModelCatalog.FAILURE_HOLD.toSeconds()),
                    r.headers().firstValue("Retry-After").orElse(null));
            JsonNode error = JSON.readTree(r.body()).get("error");
            assertEquals("unavailable", error.get("code").asText());
            assertFalse(error.get("message").asText().contains("500"), "no upstream text reaches the client");
            assertEquals(503, get(server).statusCode());
            assertEquals(1, backend(server).calls(), "a failure is kept for a few seconds, not asked for each time");
        }
    }

    @Test
    void otherMethodsAre405() throws Exception {
        try (TestServer server = TestServer.fastDemo()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(server.uri("/api/models"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json")
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, r.statusCode());
            assertEquals("GET", r.headers().firstValue("Allow").orElse(null));
            assertEquals("method_not_allowed", JSON.readTree(r.body()).get("error").get("code").asText());
        }
    }

    @Test
    void tokenAuthAndCorsApplyAsToTheRestOfTheApi() throws Exception {
        try (TestServer server = TestServer.start(Map.of("chat.auth.mode", "token", "chat.auth.tokens", "s3cret",
                "chat.cors.allowed-origins", "https://portal.example.com"))) {
            HttpResponse<String> anonymous = get(server);
            assertEquals(401, anonymous.statusCode());
            assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));

            HttpResponse<String> allowed = get(server, "Authorization", "Bearer s3cret",
                    "Origin", "https://portal.example.com");
            assertEquals(200, allowed.statusCode());
            assertEquals("https://portal.example.com",
                    allowed.headers().firstValue("Access-Control-Allow-Origin").orElse(null));

            HttpResponse<String> foreign = get(server, "Authorization", "Bearer s3cret",
                    "Origin", "https://evil.example.com", "Sec-Fetch-Site", "cross-site");
            assertEquals(403, foreign.statusCode());
            assertTrue(foreign.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        }
    }

    @Test
    void aBadCacheDurationStopsStartUpNamingTheSetting() {
        ConfigException e = assertThrows(ConfigException.class, () -> ChatApplication.start(
                Settings.of(Map.of("chat.models.cache-seconds", "-1")), List.of()));
        assertTrue(e.getMessage().contains("chat.models.cache-seconds"), e.getMessage());
    }

    private static ListingTestBackendProvider.Listing backend(TestServer server) {
        return (ListingTestBackendProvider.Listing) server.app().backend();
    }
}
