package io.chatstream.backend.openai;

import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.backend.testing.RecordingSink;
import io.chatstream.backend.testing.TestBackendContext;
import io.chatstream.backend.testing.Transcripts;
import io.chatstream.event.ErrorCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Azure OpenAI through the settings, against a fake upstream: the key in an {@code api-key} header, the
 * {@code api-version} query of the base URL kept on every path.
 */
class AzureOpenAiTest {

    private static final String KEY = "3f9d2c7b8a1e4f60b5c4d3e2f1a09b8c";
    private static final String SSE = "text/event-stream";

    private final List<TestBackendContext> contexts = new ArrayList<>();

    @AfterEach
    void closeContexts() {
        contexts.forEach(TestBackendContext::close);
    }

    private ChatBackend backend(FakeUpstream fake, String baseUrlPath, String api) {
        TestBackendContext context = new TestBackendContext(Map.of(
                "chat.openai.base-url", fake.url(baseUrlPath),
                "chat.openai.api-key", KEY,
                "chat.openai.auth-header", "api-key",
                "chat.openai.api", api,
                "chat.openai.model", "gpt-4o"), Duration.ofSeconds(10));
        contexts.add(context);
        return new OpenAiBackendProvider().create(context);
    }

    private FakeUpstream.Request replyThrough(String baseUrlPath, String api, Transcripts.Transcript t)
            throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE, t.body()))) {
            RecordingSink sink = new RecordingSink();
            backend(fake, baseUrlPath, api).start(ChatRequest.of("hi"), sink);
            assertEquals(t.answer(), sink.awaitReply().answer());
            return fake.takeRequest();
        }
    }

    @Test
    void deploymentUrlKeepsItsApiVersionAndTheKeyGoesInTheApiKeyHeader() throws Exception {
        FakeUpstream.Request r = replyThrough("/openai/deployments/gpt-4o?api-version=2024-10-21",
                "chat-completions", Transcripts.OPENAI_CHINESE);
        assertEquals("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", r.path());
        assertEquals(KEY, r.header("api-key"));
        assertNull(r.header("Authorization"));
        assertFalse(r.path().contains(KEY));
        assertFalse(r.body().contains(KEY));
    }

    @Test
    void v1ApiWithResponses() throws Exception {
        FakeUpstream.Request r = replyThrough("/openai/v1?api-version=preview", "responses",
                Transcripts.RESPONSES_CHINESE);
        assertEquals("/openai/v1/responses?api-version=preview", r.path());
        assertEquals(KEY, r.header("api-key"));
        assertNull(r.header("Authorization"));
    }

    @Test
    void aPastedEndpointUrlIsCutBackToItsBase() throws Exception {
        FakeUpstream.Request r = replyThrough("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
                "responses", Transcripts.RESPONSES_CHINESE);
        assertEquals("/openai/deployments/gpt-4o/responses?api-version=2024-10-21", r.path());
    }

    @Test
    void modelListKeepsTheQueryAndTheHeader() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, "application/json",
                "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o\",\"object\":\"model\"},"
                        + "{\"id\":\"o4-mini\",\"object\":\"model\"}]}"))) {
            List<String> models = backend(fake, "/openai/v1?api-version=preview", "responses").listModels()
                    .get(10, TimeUnit.SECONDS);
            assertEquals(List.of("gpt-4o", "o4-mini"), models);
            FakeUpstream.Request r = fake.takeRequest();
            assertEquals("GET", r.method());
            assertEquals("/openai/v1/models?api-version=preview", r.path());
            assertEquals(KEY, r.header("api-key"));
            assertNull(r.header("Authorization"));
        }
    }

    @Test
    void aRefusedKeyNamesBothSettingsAndIsNeverLogged() throws Exception {
        List<String> logged = Collections.synchronizedList(new ArrayList<>());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r.getMessage() + " " + Arrays.toString(r.getParameters()) + " " + r.getThrown());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger app = Logger.getLogger("io.chatstream");
        Level level = app.getLevel();
        capture.setLevel(Level.ALL);
        app.setLevel(Level.ALL);
        app.addHandler(capture);
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(401, "application/json",
                "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid subscription key " + KEY
                        + ". Make sure to provide a valid key for an active subscription.\"}}"))) {
            RecordingSink sink = new RecordingSink();
            ChatBackend backend = backend(fake, "/openai/deployments/gpt-4o?api-version=2024-10-21",
                    "chat-completions");
            backend.start(ChatRequest.of("x"), sink);
            String message = sink.awaitError(ErrorCode.UPSTREAM_AUTH);
            assertTrue(message.contains("chat.openai.api-key") && message.contains("chat.openai.auth-header"),
                    message);
            assertFalse(message.contains(KEY), message);
            assertFalse(backend.toString().contains(KEY), backend.toString());
        } finally {
            app.removeHandler(capture);
            app.setLevel(level);
        }
        assertFalse(logged.isEmpty(), "the refusal was logged");
        assertFalse(logged.toString().contains(KEY), "the key is never logged: " + logged);
    }
}
