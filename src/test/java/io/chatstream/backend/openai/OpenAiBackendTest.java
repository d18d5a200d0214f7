package io.chatstream.backend.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.BackendUnavailableException;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.testing.BackendHarness;
import io.chatstream.backend.testing.Decoding;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.backend.testing.RecordingSink;
import io.chatstream.backend.testing.TestBackendContext;
import io.chatstream.backend.testing.Transcripts;
import io.chatstream.backend.upstream.Json;
import io.chatstream.event.ErrorCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link OpenAiBackend} against a fake upstream on a real socket: transcripts written hostile ways, every failure. */
class OpenAiBackendTest {

    private static final String KEY = "sk-test-Zq8LmN4pR7sT1uV5wX9y";
    private static final String SSE = "text/event-stream; charset=utf-8";
    private static final BackendHarness<OpenAiBackend> HARNESS = new BackendHarness<>(SSE, KEY,
            OpenAiBackendTest::backend);
    private static final TestBackendContext CONTEXT = HARNESS.context();

    @AfterAll
    static void closeHarness() {
        HARNESS.close();
    }

    private static OpenAiBackend backend(FakeUpstream fake) {
        return HARNESS.backend(fake);
    }

    private static OpenAiBackend backend(TestBackendContext context, FakeUpstream fake) {
        return new OpenAiBackend(context, URI.create(fake.url("/v1/chat/completions")), KEY, "gpt-4o-mini");
    }

    static Stream<Arguments> hostileWrites() {
        return BackendHarness.hostileWrites(Transcripts.OPENAI, "several events per write");
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("hostileWrites")
    void transcriptStreamsExactlyOverHttp(Transcripts.Transcript transcript, String name, FakeUpstream.Splits splits)
            throws Exception {
        HARNESS.assertStreamsExactly(transcript, splits);
    }

    @Test
    void requestIsAStreamedChatCompletionWithTheKeyInTheHeaderOnly() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE,
                Transcripts.OPENAI_CHINESE.body()))) {
            RecordingSink sink = new RecordingSink();
            ChatRequest request = new ChatRequest(List.of(
                    new ChatMessage(ChatMessage.Role.SYSTEM, "Be brief."),
                    new ChatMessage(ChatMessage.Role.USER, "Hi 👋"),
                    new ChatMessage(ChatMessage.Role.ASSISTANT, "<think>\nprivate thoughts\n</think>\n\nHello!"),
                    new ChatMessage(ChatMessage.Role.USER, "再说一次")), "deepseek-chat", 0.3, 256);
            backend(fake).start(request, sink);
            sink.awaitReply().end();

            FakeUpstream.Request r = fake.takeRequest();
            assertEquals("POST", r.method());
            assertEquals("/v1/chat/completions", r.path());
            assertEquals("Bearer " + KEY, r.header("Authorization"));
            assertEquals("application/json", r.header("Content-Type"));
            assertEquals("text/event-stream", r.header("Accept"));
            JsonNode body = Json.parse(r.body());
            assertEquals("deepseek-chat", body.get("model").asText());
            assertTrue(body.get("stream").asBoolean());
            assertTrue(body.get("stream_options").get("include_usage").asBoolean());
            assertEquals(0.3, body.get("temperature").asDouble());
            assertEquals(256, body.get("max_tokens").asInt());
            assertEquals(4, body.get("messages").size());
            assertEquals("system", body.get("messages").get(0).get("role").asText());
            assertEquals("Hi 👋", body.get("messages").get(1).get("content").asText());
            assertEquals("assistant", body.get("messages").get(2).get("role").asText());
            assertEquals("Hello!", body.get("messages").get(2).get("content").asText(), "no reasoning sent back");
            assertFalse(r.body().contains(KEY));
        }
    }

    @Test
    void settingModelIsUsedWhenTheRequestNamesNoneAndOptionsAreLeftOutWhenNotGiven() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE,
                Transcripts.OPENAI_CHINESE.body()))) {
            RecordingSink sink = new RecordingSink();
            backend(fake).start(ChatRequest.of("x"), sink);
            sink.awaitReply().end();
            JsonNode body = Json.parse(fake.takeRequest().body());
            assertEquals("gpt-4o-mini", body.get("model").asText());
            assertFalse(body.has("temperature"));
            assertFalse(body.has("max_tokens"));
        }
    }

    @Test
    void noModelAnywhereIsUnavailableWithAClearMessage() {
        OpenAiBackend backend = new OpenAiBackend(CONTEXT, URI.create("http://127.0.0.1:9/v1/chat/completions"),
                null, null);
        assertEquals("", backend.defaultModel());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> backend.start(ChatRequest.of("x"), new RecordingSink()));
        assertTrue(e.getMessage().contains("chat.openai.model"), e.getMessage());
    }

    @Test
    void noKeyMeansNoAuthorizationHeader() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE,
                Transcripts.OPENAI_CHINESE.body()))) {
            RecordingSink sink = new RecordingSink();
            new OpenAiBackend(CONTEXT, URI.create(fake.url("/v1/chat/completions")), "", "local-model")
                    .start(ChatRequest.of("x"), sink);
            sink.awaitReply().end();
            assertEquals(null, fake.takeRequest().header("Authorization"));
        }
    }

    // ---- failures ----

    @Test
    void status401IsUpstreamAuthAndTheEchoedKeyIsMasked() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(401, "application/json",
                "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + ". You can find your API key at "
                        + "https://platform.openai.com/account/api-keys.\",\"type\":\"invalid_request_error\","
                        + "\"param\":null,\"code\":\"invalid_api_key\"}}"), ErrorCode.UPSTREAM_AUTH);
        assertTrue(message.contains("HTTP 401"), message);
        assertTrue(message.contains("Incorrect API key provided"), message);
        assertTrue(message.contains("chat.openai.api-key"), message);
        assertFalse(message.contains("Zq8LmN4p"), message);
    }

    @Test
    void status403IsUpstreamAuth() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(403, "application/json",
                "{\"error\":{\"message\":\"Project does not have access to model gpt-4o\"}}"), ErrorCode.UPSTREAM_AUTH);
        assertTrue(message.contains("HTTP 403"), message);
        assertTrue(message.contains("does not have access"), message);
    }

    @Test
    void status429IsRateLimitedWithRetryAfter() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(429, "application/json",
                "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini\",\"type\":\"requests\"}}",
                "Retry-After: 17"), ErrorCode.UPSTREAM_RATE_LIMITED);
        assertTrue(message.contains("Retry-After: 17"), message);
        assertTrue(message.contains("Rate limit reached for gpt-4o-mini"), message);
    }

    @Test
    void status500WithJsonBodyIsUpstreamErrorQuotingIt() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(500, "application/json",
                "{\"error\":{\"message\":\"The model is overloaded\\nplease retry\",\"type\":\"server_error\"}}"),
                ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.contains("failed with an internal error (HTTP 500): The model is overloaded please retry"),
                message);
    }

    @Test
    void status502WithHtmlBodyQuotesItsTitleUnlessItOnlyRepeatsTheStatus() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(502, "text/html",
                "<html>\n<head><title>502 Bad Gateway</title></head>\n" + "<p>x</p>\n".repeat(2000) + "</html>"),
                ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.endsWith("could not get an answer from the server behind it (HTTP 502)"), message);
        String titled = HARNESS.failWith(ex -> ex.respondFully(502, "text/html",
                "<html><head><title>Origin &amp; edge unreachable</title></head><body><h1>502</h1></body></html>"),
                ErrorCode.UPSTREAM_ERROR);
        assertTrue(titled.endsWith("(HTTP 502): Origin & edge unreachable"), titled);
    }

    @Test
    void connectionRefusedIsUpstreamError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RecordingSink sink = new RecordingSink();
        new OpenAiBackend(CONTEXT, URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"), KEY, "m")
                .start(ChatRequest.of("x"), sink);
        String message = sink.awaitError(ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.contains("127.0.0.1:" + port) && message.contains("could not connect"), message);
    }

    @Test
    void resetMidStreamIsUpstreamErrorAfterTheChunksReceived() throws Exception {
        CountDownLatch seen = new CountDownLatch(1);
        try (FakeUpstream fake = FakeUpstream.start(ex -> {
            ex.respond(200, SSE).write("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"部分\"}}]}\n\n");
            seen.await(10, TimeUnit.SECONDS);
            ex.reset();
        })) {
            RecordingSink sink = new RecordingSink();
            backend(fake).start(ChatRequest.of("x"), sink);
            sink.assertChunk("部分");
            seen.countDown();
            String message = sink.awaitError(ErrorCode.UPSTREAM_ERROR);
            assertTrue(message.contains("connection broke"), message);
        }
    }

    @Test
    void closeMidBodyIsUpstreamError() throws Exception {
        HARNESS.failWith(ex -> {
            ex.respondUntilClose(200, SSE).write("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n");
            ex.closeConnection();
        }, ErrorCode.UPSTREAM_ERROR);
    }

    @Test
    void garbageBodyIsUpstreamError() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(200, "text/html",
                "<html><body>Welcome to nginx!</body></html>\n"), ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.contains("ended before the reply finished"), message);
    }

    @Test
    void bodyEndingWithoutFinishIsUpstreamError() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(200, SSE,
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"half an ans\"}}]}\n\n"),
                ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.contains("ended before the reply finished"), message);
    }

    @Test
    void errorObjectInStreamIsOneUpstreamError() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE,
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
                        + "data: {\"error\":{\"message\":\"Upstream provider crashed\",\"code\":502}}\n\n"
                        + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"after\"},\"finish_reason\":\"stop\"}]}\n\n"
                        + "data: [DONE]\n\n"))) {
            RecordingSink sink = new RecordingSink();
            backend(fake).start(ChatRequest.of("x"), sink);
            sink.assertChunk("a");
            String message = sink.awaitError(ErrorCode.UPSTREAM_ERROR);
            assertTrue(message.contains("Upstream provider crashed"), message);
            sink.assertNoMoreCalls(Duration.ofMillis(200));
        }
    }

    @Test
    void silenceAfterHeadersIsUpstreamTimeoutAndClosesTheConnection() throws Exception {
        HARNESS.assertSilenceTimesOutAndCloses("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n",
                "a");
    }

    @Test
    void noResponseHeadersIsUpstreamTimeout() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.stall(Duration.ofSeconds(5)))) {
            RecordingSink sink = new RecordingSink();
            HARNESS.quickIdleBackend(fake).start(ChatRequest.of("x"), sink);
            String message = sink.awaitError(ErrorCode.UPSTREAM_TIMEOUT);
            assertTrue(message.contains("not even the response headers"), message);
        }
    }

    @Test
    void keepAliveCommentsResetTheIdleTimer() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> {
            ex.respond(200, SSE);
            for (int i = 0; i < 4; i++) {
                ex.pace(Duration.ofMillis(400)).write(": keep-alive\n\n");
            }
            ex.write(Transcripts.OPENAI_CHINESE.body()).end();
        })) {
            RecordingSink sink = new RecordingSink();
            HARNESS.quickIdleBackend(fake).start(ChatRequest.of("x"), sink);
            Decoding.assertReply(Transcripts.OPENAI_CHINESE, sink.awaitReply());
        }
    }

    @Test
    void hundredMegabytesWithoutNewlineEndsWithUpstreamErrorWithoutReadingItAll() throws Exception {
        AtomicLong written = new AtomicLong();
        CountDownLatch stopped = new CountDownLatch(1);
        byte[] block = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
        try (FakeUpstream fake = FakeUpstream.start(ex -> {
            try {
                ex.respond(200, SSE).write("data: ");
                while (ex.written() < 100L * 1024 * 1024) {
                    ex.write(block);
                }
            } finally {
                written.set(ex.written());
                stopped.countDown();
            }
        })) {
            RecordingSink sink = new RecordingSink();
            backend(fake).start(ChatRequest.of("x"), sink);
            String message = sink.awaitError(ErrorCode.UPSTREAM_ERROR);
            assertTrue(message.contains("a line was longer than"), message);
            assertTrue(stopped.await(10, TimeUnit.SECONDS), "the upstream saw the connection closed");
            assertTrue(written.get() < 40L * 1024 * 1024, "read " + written.get() + " bytes of 100 MB");
        }
    }

    // ---- cancellation ----

    @Test
    void cancelMidStreamClosesTheUpstreamConnectionWithinOneSecond() throws Exception {
        HARNESS.assertCancelMidStreamClosesWithinOneSecond(
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"first\"}}]}\n\n", "first");
    }

    @Test
    void cancelBeforeTheResponseHeadersClosesTheConnection() throws Exception {
        HARNESS.assertCancelBeforeHeadersClosesWithinOneSecond();
    }

    @Test
    void toStringNeverShowsTheKey() {
        OpenAiBackend backend = new OpenAiBackend(CONTEXT, URI.create("https://api.openai.com/v1/chat/completions"),
                KEY, "gpt-4o-mini");
        assertFalse(backend.toString().contains(KEY), backend.toString());
    }
}
