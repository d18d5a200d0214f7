package io.chatstream.backend.openai;

import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.backend.testing.TestBackendContext;
import io.chatstream.backend.upstream.BaseUrl;
import io.chatstream.backend.upstream.UpstreamException;
import io.chatstream.event.ErrorCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link OpenAiBackend#listModels()} against a fake upstream: {@code GET {base-url}/models}, {@code data[].id}. */
class ModelListTest {

    private static final String KEY = "sk-models-Zq8LmN4pR7sT1uV5";
    private static final TestBackendContext CONTEXT = new TestBackendContext();
    private static final TestBackendContext QUICK_IDLE = new TestBackendContext(Map.of(), Duration.ofSeconds(1));

    @AfterAll
    static void closeContexts() {
        CONTEXT.close();
        QUICK_IDLE.close();
    }

    private static OpenAiBackend backend(TestBackendContext context, String baseUrl) {
        return new OpenAiBackend(context, new BaseUrl(baseUrl, null), KEY, "gpt-4o-mini",
                OpenAiBackend.Api.CHAT_COMPLETIONS, OpenAiBackend.AuthHeader.BEARER);
    }

    /** The failure of a list that must fail: an {@link UpstreamException} naming the upstream, without the key. */
    private static UpstreamException failure(CompletableFuture<List<String>> list, ErrorCode code) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> list.get(10, TimeUnit.SECONDS));
        UpstreamException u = assertInstanceOf(UpstreamException.class, e.getCause());
        assertEquals(code, u.code());
        assertTrue(u.getMessage().contains("listing the models failed"), u.getMessage());
        assertFalse(u.getMessage().contains(KEY), u.getMessage());
        return u;
    }

    @Test
    void theIdsOfDataInOrderWithTheKeyInTheHeader() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, "application/json",
                "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o-mini\",\"object\":\"model\",\"created\":1721172741,"
                        + "\"owned_by\":\"system\"},{\"id\":\"deepseek-reasoner\",\"object\":\"model\"},"
                        + "{\"object\":\"model\"},{\"id\":\"qwen/qwen3-235b-a22b:free\"}]}"))) {
            List<String> models = backend(CONTEXT, fake.url("/v1")).listModels().get(10, TimeUnit.SECONDS);
            assertEquals(List.of("gpt-4o-mini", "deepseek-reasoner", "qwen/qwen3-235b-a22b:free"), models);
            FakeUpstream.Request r = fake.takeRequest();
            assertEquals("GET", r.method());
            assertEquals("/v1/models", r.path());
            assertEquals("Bearer " + KEY, r.header("Authorization"));
            assertFalse(r.path().contains(KEY));
        }
    }

    @Test
    void theFutureIsReturnedBeforeTheUpstreamAnswers() throws Exception {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        try (FakeUpstream fake = FakeUpstream.start(ex -> {
            answer.get(10, TimeUnit.SECONDS);
            ex.respondFully(200, "application/json", "{\"data\":[{\"id\":\"m\"}]}");
        })) {
            CompletableFuture<List<String>> list = backend(CONTEXT, fake.url("/v1")).listModels();
            fake.takeRequest();
            assertFalse(list.isDone(), "nothing waited for the answer");
            answer.complete(null);
            assertEquals(List.of("m"), list.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void refusedKeyIsUpstreamAuthWithTheProvidersMessageMasked() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(401, "application/json",
                "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + ".\",\"code\":\"invalid_api_key\"}}"))) {
            UpstreamException e = failure(backend(CONTEXT, fake.url("/v1")).listModels(), ErrorCode.UPSTREAM_AUTH);
            assertTrue(e.getMessage().contains("HTTP 401") && e.getMessage().contains("Incorrect API key provided"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("127.0.0.1:" + fake.port()), e.getMessage());
        }
    }

    @Test
    void serverThatCannotListIsAnError() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(404, "text/html",
                "<html><title>404 Not Found</title></html>"))) {
            UpstreamException e = failure(backend(CONTEXT, fake.url("/v1")).listModels(), ErrorCode.UPSTREAM_ERROR);
            assertTrue(e.getMessage().contains("listing the models failed: knows no such endpoint or model")
                    && e.getMessage().endsWith("(HTTP 404)"), e.getMessage());
        }
    }

    @Test
    void answerThatIsNotAListIsAnError() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, "application/json",
                "{\"models\":[]}"))) {
            UpstreamException e = failure(backend(CONTEXT, fake.url("/v1")).listModels(), ErrorCode.UPSTREAM_ERROR);
            assertTrue(e.getMessage().contains("no \"data\" array"), e.getMessage());
        }
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, "text/html", "<html>hi</html>"))) {
            UpstreamException e = failure(backend(CONTEXT, fake.url("/v1")).listModels(), ErrorCode.UPSTREAM_ERROR);
            assertTrue(e.getMessage().contains("not JSON"), e.getMessage());
        }
    }

    @Test
    void refusedConnectionIsAnError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        UpstreamException e = failure(backend(CONTEXT, "http://127.0.0.1:" + port + "/v1").listModels(),
                ErrorCode.UPSTREAM_ERROR);
        assertTrue(e.getMessage().contains("could not connect"), e.getMessage());
    }

    @Test
    void silentServerTimesOut() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.stall(Duration.ofSeconds(5)))) {
            UpstreamException e = failure(backend(QUICK_IDLE, fake.url("/v1")).listModels(),
                    ErrorCode.UPSTREAM_TIMEOUT);
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        }
    }
}
