package io.chatstream.backend.anthropic;

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

/** {@link AnthropicBackend} against a fake Messages API on a real socket: requests, transcripts, every failure. */
class AnthropicBackendTest {

    private static final String KEY = "sk-ant-api03-Zq8LmN4pR7sT1uV5wX9yAbCdEf";
    private static final String SSE = "text/event-stream; charset=utf-8";
    private static final BackendHarness<AnthropicBackend> HARNESS = new BackendHarness<>(SSE, KEY,
            (context, fake) -> backend(context, fake, 0));
    private static final TestBackendContext CONTEXT = HARNESS.context();

    @AfterAll
    static void closeHarness() {
        HARNESS.close();
    }

    private static AnthropicBackend backend(TestBackendContext context, FakeUpstream fake, int thinkingBudget) {
        return new AnthropicBackend(context, URI.create(fake.url("/v1")), KEY, "claude-sonnet-4-5", 4096,
                thinkingBudget);
    }

    private static AnthropicBackend backend(FakeUpstream fake) {
        return HARNESS.backend(fake);
    }

    static Stream<Arguments> hostileWrites() {
        return BackendHarness.hostileWrites(AnthropicTranscripts.ALL, "several events per write");
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("hostileWrites")
    void transcriptStreamsExactlyOverHttp(Transcripts.Transcript transcript, String name, FakeUpstream.Splits splits)
            throws Exception {
        HARNESS.assertStreamsExactly(transcript, splits);
    }

    private static JsonNode sent(FakeUpstream fake, AnthropicBackend backend, ChatRequest request) throws Exception {
        RecordingSink sink = new RecordingSink();
        backend.start(request, sink);
        sink.awaitReply().end();
        FakeUpstream.Request r = fake.takeRequest();
        assertFalse(r.body().contains(KEY), "the key is in the body");
        assertFalse(r.path().contains(KEY), "the key is in the URL");
        return Json.parse(r.body());
    }

    @Test
    void requestIsAStreamedMessagesCallWithTheDocumentedHeaders() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE,
                AnthropicTranscripts.CHINESE.body()))) {
            RecordingSink sink = new RecordingSink();
            ChatRequest request = new ChatRequest(List.of(
                    new ChatMessage(ChatMessage.Role.SYSTEM, "Be brief."),
                    new ChatMessage(ChatMessage.Role.USER, "Hi 👋"),
                    new ChatMessage(ChatMessage.Role.ASSISTANT, "<think>\nprivate thoughts\n</think>\n\nHello!"),
                    new ChatMessage(ChatMessage.Role.SYSTEM, "Answer in French."),
                    new ChatMessage(ChatMessage.Role.USER, "Weather?"),
                    new ChatMessage(ChatMessage.Role.TOOL, "{\"temp\":21}"),
                    new ChatMessage(ChatMessage.Role.USER, "  ")), "claude-haiku-4-5", 0.3, 256);
            backend(fake).start(request, sink);
            sink.awaitReply().end();

            FakeUpstream.Request r = fake.takeRequest();
            assertEquals("POST", r.method());
            assertEquals("/v1/messages", r.path());
            assertEquals(KEY, r.header("x-api-key"));
            assertEquals("2023-06-01", r.header("anthropic-version"));
            assertEquals("application/json", r.header("content-type"));
            assertNull(r.header("authorization"));
            JsonNode body = Json.parse(r.body());
            assertEquals("claude-haiku-4-5", body.get("model").asText());
            assertEquals(256, body.get("max_tokens").asInt());
            assertTrue(body.get("stream").asBoolean());
            assertEquals(0.3, body.get("temperature").asDouble());
            assertFalse(body.has("thinking"));
            assertEquals("Be brief.\n\nAnswer in French.", body.get("system").asText());
            JsonNode messages = body.get("messages");
            assertEquals(3, messages.size(), messages.toString());
            assertEquals("user", messages.get(0).get("role").asText());
            assertEquals("Hi 👋", messages.get(0).get("content").asText());
            assertEquals("assistant", messages.get(1).get("role").asText());
            assertEquals("Hello!", messages.get(1).get("content").asText(), "no reasoning sent back");
            assertEquals("user", messages.get(2).get("role").asText());
            assertEquals("[{\"type\":\"text\",\"text\":\"Weather?\"},{\"type\":\"text\",\"text\":\"{\\\"temp\\\":21}\"}]",
                    messages.get(2).get("content").toString(), "consecutive user-side messages are one turn");
            assertFalse(r.body().contains(KEY));
        }
    }

    @Test
    void settingsFillWhatTheRequestLeavesOut() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE,
                AnthropicTranscripts.CHINESE.body()))) {
            JsonNode body = sent(fake, backend(fake), ChatRequest.of("x"));
            assertEquals("claude-sonnet-4-5", body.get("model").asText());
            assertEquals(4096, body.get("max_tokens").asInt());
            assertFalse(body.has("temperature"));
            assertFalse(body.has("system"));
        }
    }

    @Test
    void thinkingBudgetIsSentWithoutTemperatureWhenItFitsUnderMaxTokens() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE,
                AnthropicTranscripts.THINKING.body()))) {
            AnthropicBackend thinking = backend(CONTEXT, fake, 2048);
            JsonNode body = sent(fake, thinking, new ChatRequest(List.of(ChatMessage.user("27 * 453?")), null, 0.5,
                    null));
            assertEquals("{\"type\":\"enabled\",\"budget_tokens\":2048}", body.get("thinking").toString());
            assertEquals(4096, body.get("max_tokens").asInt());
            assertFalse(body.has("temperature"), "the API takes thinking only at its default temperature");

            JsonNode small = sent(fake, thinking, new ChatRequest(List.of(ChatMessage.user("hi")), null, 0.5, 2048));
            assertFalse(small.has("thinking"), "a budget not below max_tokens would be refused");
            assertEquals(0.5, small.get("temperature").asDouble());
        }
    }

    @Test
    void noModelAnywhereIsUnavailableWithAClearMessage() {
        AnthropicBackend backend = new AnthropicBackend(CONTEXT, URI.create("http://127.0.0.1:9/v1"), KEY, null,
                4096, 0);
        assertEquals("", backend.defaultModel());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> backend.start(ChatRequest.of("x"), new RecordingSink()));
        assertTrue(e.getMessage().contains("chat.anthropic.model"), e.getMessage());
    }

    @Test
    void toStringNeverShowsTheKey() {
        AnthropicBackend backend = new AnthropicBackend(CONTEXT, URI.create("https://api.anthropic.com/v1"), KEY,
                "claude-sonnet-4-5", 4096, 0);
        assertFalse(backend.toString().contains(KEY), backend.toString());
    }

    // ---- failures ----

    private static String failWith(FakeUpstream.Handler handler, ErrorCode code) throws Exception {
        return HARNESS.failWith(handler, code);
    }

    private static String error(String type, String message) {
        return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"},"
                + "\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}";
    }

    @Test
    void status401IsUpstreamAuthNamingTheSetting() throws Exception {
        String message = failWith(ex -> ex.respondFully(401, "application/json",
                error("authentication_error", "invalid x-api-key " + KEY)), ErrorCode.UPSTREAM_AUTH);
        assertTrue(message.contains("HTTP 401") && message.contains("invalid x-api-key"), message);
        assertTrue(message.contains("chat.anthropic.api-key"), message);
    }

    @Test
    void status403IsUpstreamAuth() throws Exception {
        String message = failWith(ex -> ex.respondFully(403, "application/json",
                error("permission_error", "Your API key does not have permission to use the specified resource.")),
                ErrorCode.UPSTREAM_AUTH);
        assertTrue(message.contains("HTTP 403") && message.contains("does not have permission"), message);
    }

    @Test
    void status404IsUpstreamError() throws Exception {
        String message = failWith(ex -> ex.respondFully(404, "application/json",
                error("not_found_error", "model: claude-nonexistent")), ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.contains("(HTTP 404): model: claude-nonexistent"), message);
    }

    @Test
    void status429IsRateLimitedWithRetryAfter() throws Exception {
        String message = failWith(ex -> ex.respondFully(429, "application/json",
                error("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
                "retry-after: 23"), ErrorCode.UPSTREAM_RATE_LIMITED);
        assertTrue(message.contains("Retry-After: 23") && message.contains("per-minute rate limit"), message);
    }

    @Test
    void status529OverloadedIsRateLimited() throws Exception {
        String message = failWith(ex -> ex.respondFully(529, "application/json",
                error("overloaded_error", "Overloaded")), ErrorCode.UPSTREAM_RATE_LIMITED);
        assertTrue(message.contains("overloaded (HTTP 529") && message.endsWith(": Overloaded"), message);
    }

    @Test
    void status500WithJsonBodyIsUpstreamErrorQuotingIt() throws Exception {
        String message = failWith(ex -> ex.respondFully(500, "application/json",
                error("api_error", "Internal server error")), ErrorCode.UPSTREAM_ERROR);
        // "Internal server error" only repeats the status: the words say what it means
        assertTrue(message.endsWith("failed with an internal error (HTTP 500)"), message);
    }

    @Test
    void status502WithHtmlBodyIsWordsNotMarkup() throws Exception {
        String message = failWith(ex -> ex.respondFully(502, "text/html",
                "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"),
                ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.endsWith("(HTTP 502)") && !message.contains("<") && !message.contains("cloudflare"),
                message);
    }

    @Test
    void overloadedErrorEventAfterTheTextIsOneRateLimitedError() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE, """
                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"部分"}}

                event: error
                data: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}

                event: message_stop
                data: {"type":"message_stop"}

                """))) {
            RecordingSink sink = new RecordingSink();
            backend(fake).start(ChatRequest.of("x"), sink);
            sink.assertChunk("部分");
            String message = sink.awaitError(ErrorCode.UPSTREAM_RATE_LIMITED);
            assertTrue(message.contains("overloaded_error mid-stream: Overloaded"), message);
            sink.assertNoMoreCalls(Duration.ofMillis(200));
        }
    }

    @Test
    void bodyEndingWithoutMessageStopIsUpstreamError() throws Exception {
        String message = failWith(ex -> ex.respondFully(200, SSE, AnthropicTranscripts.CHINESE.body()
                .substring(0, AnthropicTranscripts.CHINESE.body().indexOf("event: message_stop"))),
                ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.contains("no message_stop"), message);
    }

    @Test
    void silenceAfterHeadersIsUpstreamTimeoutAndClosesTheConnection() throws Exception {
        HARNESS.assertSilenceTimesOutAndCloses("event: ping\ndata: {\"type\": \"ping\"}\n\n", null);
    }

    @Test
    void cancelMidStreamClosesTheUpstreamConnectionWithinOneSecond() throws Exception {
        HARNESS.assertCancelMidStreamClosesWithinOneSecond("event: content_block_delta\ndata: "
                + "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"first\"}}\n\n",
                "first");
    }

    @Test
    void cancelBeforeTheResponseHeadersClosesTheConnection() throws Exception {
        HARNESS.assertCancelBeforeHeadersClosesWithinOneSecond();
    }

    // ---- models ----

    @Test
    void listModelsAsksTheModelsEndpointWithTheSameHeaders() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, "application/json", """
                {"data":[{"type":"model","id":"claude-sonnet-4-5-20250929","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z"},
                         {"type":"model","id":"claude-haiku-4-5","display_name":"Claude Haiku 4.5","created_at":"2025-10-01T00:00:00Z"}],
                 "has_more":false,"first_id":"claude-sonnet-4-5-20250929","last_id":"claude-haiku-4-5"}
                """))) {
            List<String> models = backend(fake).listModels().get(5, TimeUnit.SECONDS);
            assertEquals(List.of("claude-sonnet-4-5-20250929", "claude-haiku-4-5"), models);
            FakeUpstream.Request r = fake.takeRequest();
            assertEquals("GET", r.method());
            assertEquals("/v1/models?limit=1000", r.path());
            assertEquals(KEY, r.header("x-api-key"));
            assertEquals("2023-06-01", r.header("anthropic-version"));
        }
    }

    @Test
    void listModelsRefusedFailsWithTheErrorAReplyWouldGet() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(401, "application/json",
                error("authentication_error", "invalid x-api-key " + KEY)))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> backend(fake).listModels().get(5, TimeUnit.SECONDS));
            UpstreamException cause = (UpstreamException) e.getCause();
            assertEquals(ErrorCode.UPSTREAM_AUTH, cause.code());
            assertTrue(cause.getMessage().contains("HTTP 401"), cause.getMessage());
            assertFalse(cause.getMessage().contains(KEY), cause.getMessage());
        }
    }
}
