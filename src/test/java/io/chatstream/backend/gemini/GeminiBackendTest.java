package io.chatstream.backend.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.BackendUnavailableException;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.testing.BackendHarness;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.backend.testing.RecordingSink;
import io.chatstream.backend.testing.TestBackendContext;
import io.chatstream.backend.testing.Transcripts;
import io.chatstream.backend.upstream.Json;
import io.chatstream.backend.upstream.UpstreamException;
import io.chatstream.event.ErrorCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link GeminiBackend} against a fake Gemini API on a real socket: requests, transcripts, every failure. */
class GeminiBackendTest {

    private static final String KEY = "AIzaSyD-Zq8LmN4pR7sT1uV5wX9yAbCdEfGhIjK";
    private static final String SSE = "text/event-stream";

    private static final BackendHarness<GeminiBackend> HARNESS = new BackendHarness<>(SSE, KEY,
            (context, fake) -> backend(context, fake, false));
    private static final TestBackendContext CONTEXT = HARNESS.context();

    @AfterAll
    static void closeHarness() {
        HARNESS.close();
    }

    private static GeminiBackend backend(TestBackendContext context, FakeUpstream fake, boolean thoughts) {
        return new GeminiBackend(context, URI.create(fake.url("/v1beta")), KEY, "gemini-2.5-flash", thoughts);
    }

    private static GeminiBackend backend(FakeUpstream fake) {
        return HARNESS.backend(fake);
    }

    static Stream<Arguments> hostileWrites() {
        return BackendHarness.hostileWrites(GeminiTranscripts.ALL, "several events per write");
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("hostileWrites")
    void transcriptStreamsExactlyOverHttp(Transcripts.Transcript transcript, String name, FakeUpstream.Splits splits)
            throws Exception {
        HARNESS.assertStreamsExactly(transcript, splits);
    }

    @Test
    void requestIsAStreamGenerateContentCallWithTheKeyInItsHeaderOnly() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE,
                GeminiTranscripts.CHINESE.body()))) {
            RecordingSink sink = new RecordingSink();
            ChatRequest request = new ChatRequest(List.of(
                    new ChatMessage(ChatMessage.Role.SYSTEM, "Be brief."),
                    new ChatMessage(ChatMessage.Role.USER, "Hi 👋"),
                    new ChatMessage(ChatMessage.Role.ASSISTANT, "<think>\nprivate thoughts\n</think>\n\nHello!"),
                    new ChatMessage(ChatMessage.Role.USER, "Weather?"),
                    new ChatMessage(ChatMessage.Role.TOOL, "{\"temp\":21}")), "models/gemini-2.0-flash", 0.3, 256);
            backend(fake).start(request, sink);
            sink.awaitReply().end();

            FakeUpstream.Request r = fake.takeRequest();
            assertEquals("POST", r.method());
            assertEquals("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", r.path());
            assertEquals(KEY, r.header("x-goog-api-key"));
            assertEquals("application/json", r.header("content-type"));
            assertNull(r.header("authorization"));
            assertFalse(r.path().contains(KEY), "the key is in the URL");
            assertFalse(r.body().contains(KEY), "the key is in the body");
            JsonNode body = Json.parse(r.body());
            assertEquals("{\"parts\":[{\"text\":\"Be brief.\"}]}", body.get("systemInstruction").toString());
            assertEquals("{\"temperature\":0.3,\"maxOutputTokens\":256}", body.get("generationConfig").toString());
            JsonNode contents = body.get("contents");
            assertEquals(3, contents.size(), contents.toString());
            assertEquals("{\"role\":\"user\",\"parts\":[{\"text\":\"Hi 👋\"}]}", contents.get(0).toString());
            assertEquals("{\"role\":\"model\",\"parts\":[{\"text\":\"Hello!\"}]}", contents.get(1).toString());
            assertEquals("{\"role\":\"user\",\"parts\":[{\"text\":\"Weather?\"},{\"text\":\"{\\\"temp\\\":21}\"}]}",
                    contents.get(2).toString());
        }
    }

    @Test
    void settingsFillWhatTheRequestLeavesOutAndThoughtsAreAskedForWhenSet() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE,
                GeminiTranscripts.THINKING.body()))) {
            RecordingSink sink = new RecordingSink();
            backend(fake).start(ChatRequest.of("x"), sink);
            sink.awaitReply().end();
            FakeUpstream.Request plain = fake.takeRequest();
            assertEquals("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", plain.path());
            JsonNode body = Json.parse(plain.body());
            assertFalse(body.has("generationConfig"));
            assertFalse(body.has("systemInstruction"));

            backend(CONTEXT, fake, true).start(ChatRequest.of("x"), sink);
            sink.awaitReply().end();
            assertEquals("{\"thinkingConfig\":{\"includeThoughts\":true}}",
                    Json.parse(fake.takeRequest().body()).get("generationConfig").toString());
        }
    }

    @Test
    void aClientsModelNameCannotLeaveItsPathSegment() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE,
                GeminiTranscripts.CHINESE.body()))) {
            RecordingSink sink = new RecordingSink();
            backend(fake).start(new ChatRequest(List.of(ChatMessage.user("x")), "../../files?key=1#x y", null, null),
                    sink);
            sink.awaitReply();
            assertEquals("/v1beta/models/..%2F..%2Ffiles%3Fkey%3D1%23x%20y:streamGenerateContent?alt=sse",
                    fake.takeRequest().path());
        }
    }

    @Test
    void noModelAnywhereIsUnavailableWithAClearMessage() {
        GeminiBackend backend = new GeminiBackend(CONTEXT, URI.create("http://127.0.0.1:9/v1beta"), KEY, null, false);
        assertEquals("", backend.defaultModel());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> backend.start(ChatRequest.of("x"), new RecordingSink()));
        assertTrue(e.getMessage().contains("chat.gemini.model"), e.getMessage());
    }

    @Test
    void toStringNeverShowsTheKey() {
        GeminiBackend backend = new GeminiBackend(CONTEXT,
                URI.create("https://generativelanguage.googleapis.com/v1beta"), KEY, "models/gemini-2.5-pro", false);
        assertFalse(backend.toString().contains(KEY), backend.toString());
        assertEquals("gemini-2.5-pro", backend.defaultModel());
    }

    // ---- failures ----

    private static String error(int code, String message, String status) {
        return "{\n  \"error\": {\n    \"code\": " + code + ",\n    \"message\": \"" + message + "\",\n    \"status\": \""
                + status + "\"\n  }\n}\n";
    }

    @Test
    void status400BadKeyIsUpstreamErrorQuotingIt() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(400, "application/json; charset=UTF-8",
                error(400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT")),
                ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.endsWith("(HTTP 400): API key not valid. Please pass a valid API key."), message);
    }

    @Test
    void status401IsUpstreamAuthNamingTheSetting() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(401, "application/json",
                error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")),
                ErrorCode.UPSTREAM_AUTH);
        assertTrue(message.contains("HTTP 401") && message.contains("chat.gemini.api-key"), message);
    }

    @Test
    void status403IsUpstreamAuth() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(403, "application/json",
                error(403, "Method doesn't allow unregistered callers. Please use API Key " + KEY, "PERMISSION_DENIED")),
                ErrorCode.UPSTREAM_AUTH);
        assertTrue(message.contains("HTTP 403") && message.contains("unregistered callers"), message);
    }

    @Test
    void status404IsUpstreamError() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(404, "application/json",
                error(404, "models/gemini-0 is not found for API version v1beta", "NOT_FOUND")),
                ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.contains("(HTTP 404): models/gemini-0 is not found"), message);
    }

    @Test
    void status429IsRateLimited() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(429, "application/json",
                error(429, "You exceeded your current quota, please check your plan and billing details.",
                        "RESOURCE_EXHAUSTED")), ErrorCode.UPSTREAM_RATE_LIMITED);
        assertTrue(message.contains("HTTP 429") && message.contains("exceeded your current quota"), message);
    }

    @Test
    void status500WithJsonBodyIsUpstreamError() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(500, "application/json",
                error(500, "An internal error has occurred.", "INTERNAL")), ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.endsWith("(HTTP 500): An internal error has occurred."), message);
    }

    @Test
    void status503WithHtmlBodyIsWordsNotMarkup() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(503, "text/html",
                "<html><head><title>Error 503 (Service Unavailable)!!1</title></head><body>x</body></html>"),
                ErrorCode.UPSTREAM_ERROR);
        // the page's title only repeats the status, so the words say what it means and quote nothing
        assertTrue(message.endsWith("is unavailable or overloaded (HTTP 503)") && !message.contains("<"), message);
    }

    @Test
    void errorObjectInStreamAfterTextIsOneError() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE,
                "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"部分\"}],\"role\": \"model\"}}]}\r\n\r\n"
                        + "data: " + error(503, "The model is overloaded. Please try again later.", "UNAVAILABLE")
                        .replace("\n", "") + "\r\n\r\n"))) {
            RecordingSink sink = new RecordingSink();
            backend(fake).start(ChatRequest.of("x"), sink);
            sink.assertChunk("部分");
            String message = sink.awaitError(ErrorCode.UPSTREAM_ERROR);
            assertTrue(message.contains("(503 UNAVAILABLE): The model is overloaded"), message);
            sink.assertNoMoreCalls(Duration.ofMillis(200));
        }
    }

    @Test
    void aBlockedReplyIsAnErrorSayingSo() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(200, SSE,
                "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Once\"}],\"role\": \"model\"},"
                        + "\"finishReason\": \"SAFETY\",\"index\": 0}]}\r\n\r\n"), ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.contains("the provider blocked the reply (finishReason SAFETY)"), message);
    }

    @Test
    void bodyEndingWithoutFinishReasonIsUpstreamError() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(200, SSE,
                "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"half\"}],\"role\": \"model\"}}]}\r\n\r\n"),
                ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.contains("no finishReason"), message);
    }

    @Test
    void silenceAfterHeadersIsUpstreamTimeoutAndClosesTheConnection() throws Exception {
        HARNESS.assertSilenceTimesOutAndCloses(
                "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"a\"}]}}]}\r\n\r\n", "a");
    }

    @Test
    void cancelMidStreamClosesTheUpstreamConnectionWithinOneSecond() throws Exception {
        HARNESS.assertCancelMidStreamClosesWithinOneSecond(
                "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"first\"}]}}]}\r\n\r\n", "first");
    }

    @Test
    void cancelBeforeTheResponseHeadersClosesTheConnection() throws Exception {
        HARNESS.assertCancelBeforeHeadersClosesWithinOneSecond();
    }

    // ---- models ----

    @Test
    void listModelsReadsTwoPagesKeepingGenerateContentModelsWithoutThePrefix() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> {
            if (!ex.request().path().contains("pageToken")) {
                ex.respondFully(200, "application/json", """
                        {"models": [
                          {"name": "models/gemini-2.5-flash", "version": "001", "displayName": "Gemini 2.5 Flash",
                           "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
                           "supportedGenerationMethods": ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"]},
                          {"name": "models/text-embedding-004", "supportedGenerationMethods": ["embedContent"]}],
                         "nextPageToken": "Ch1tb2RlbHMv+Z2VtaW5pLTIuMC1mbGFzaA=="}
                        """);
            } else {
                ex.respondFully(200, "application/json", """
                        {"models": [{"name": "models/gemini-2.0-flash", "supportedGenerationMethods": ["generateContent", "countTokens"]},
                                    {"name": "models/imagen-4.0-generate-001", "supportedGenerationMethods": ["predict"]}]}
                        """);
            }
        })) {
            List<String> models = backend(fake).listModels().get(5, TimeUnit.SECONDS);
            assertEquals(List.of("gemini-2.5-flash", "gemini-2.0-flash"), models);
            FakeUpstream.Request first = fake.takeRequest();
            assertEquals("GET", first.method());
            assertEquals("/v1beta/models?pageSize=1000", first.path());
            assertEquals(KEY, first.header("x-goog-api-key"));
            FakeUpstream.Request second = fake.takeRequest();
            assertEquals("/v1beta/models?pageSize=1000&pageToken=Ch1tb2RlbHMv%2BZ2VtaW5pLTIuMC1mbGFzaA%3D%3D",
                    second.path());
            assertEquals(KEY, second.header("x-goog-api-key"));
            assertFalse(first.path().contains(KEY) || second.path().contains(KEY));
        }
    }

    @Test
    void listModelsRefusedFailsWithTheErrorAReplyWouldGet() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(403, "application/json",
                error(403, "Permission denied for " + KEY, "PERMISSION_DENIED")))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> backend(fake).listModels().get(5, TimeUnit.SECONDS));
            UpstreamException cause = (UpstreamException) e.getCause();
            assertEquals(ErrorCode.UPSTREAM_AUTH, cause.code());
            assertFalse(cause.getMessage().contains(KEY), cause.getMessage());
        }
    }

    @Test
    void listModelsAnswerThatIsNotJsonFails() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, "text/html", "<html>login</html>"))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> backend(fake).listModels().get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("not JSON"), e.getCause().getMessage());
        }
    }
}
