package io.chatstream.backend.ollama;

import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.backend.testing.TestBackendContext;
import io.chatstream.backend.upstream.UpstreamException;
import io.chatstream.event.ErrorCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link OllamaBackend#listModels()} against a fake Ollama: {@code GET /api/tags}, {@code models[].name}. */
class OllamaModelListTest {

    private static final TestBackendContext CONTEXT = new TestBackendContext();

    @AfterAll
    static void closeContext() {
        CONTEXT.close();
    }

    @Test
    void theNamesOfThePulledModelsInOrder() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, "application/json; charset=utf-8",
                "{\"models\":[{\"name\":\"qwen3:8b\",\"model\":\"qwen3:8b\",\"modified_at\":\"2025-05-29T09:35:56Z\","
                        + "\"size\":5225388164,\"digest\":\"500a1f067a9f\",\"details\":{\"format\":\"gguf\","
                        + "\"family\":\"qwen3\",\"parameter_size\":\"8.2B\",\"quantization_level\":\"Q4_K_M\"}},"
                        + "{\"name\":\"deepseek-r1:7b\",\"model\":\"deepseek-r1:7b\"}]}"))) {
            OllamaBackend backend = new OllamaBackend(CONTEXT, URI.create(fake.url("/api/chat")), "qwen3:8b");
            assertEquals(List.of("qwen3:8b", "deepseek-r1:7b"), backend.listModels().get(10, TimeUnit.SECONDS));
            FakeUpstream.Request r = fake.takeRequest();
            assertEquals("GET", r.method());
            assertEquals("/api/tags", r.path());
        }
    }

    @Test
    void aBaseUrlWithAPathKeepsIt() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, "application/json",
                "{\"models\":[]}"));
             TestBackendContext context = new TestBackendContext(Map.of("chat.ollama.base-url", fake.url("/ollama/")),
                     Duration.ofSeconds(10))) {
            OllamaBackend backend = (OllamaBackend) new OllamaBackendProvider().create(context);
            assertEquals(List.of(), backend.listModels().get(10, TimeUnit.SECONDS));
            assertEquals("/ollama/api/tags", fake.takeRequest().path());
        }
    }

    @Test
    void anErrorStatusIsAnExceptionalFutureSayingSo() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(500, "application/json",
                "{\"error\":\"llama runner process has terminated\"}"))) {
            OllamaBackend backend = new OllamaBackend(CONTEXT, URI.create(fake.url("/api/chat")), null);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> backend.listModels().get(10, TimeUnit.SECONDS));
            UpstreamException u = assertInstanceOf(UpstreamException.class, e.getCause());
            assertEquals(ErrorCode.UPSTREAM_ERROR, u.code());
            assertTrue(u.getMessage().contains("listing the models failed: failed with an internal error (HTTP 500): llama runner process "
                    + "has terminated"), u.getMessage());
        }
    }
}
