package io.chatstream.backend.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.testing.BackendHarness;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.backend.testing.RecordingSink;
import io.chatstream.backend.testing.TestBackendContext;
import io.chatstream.backend.testing.Transcripts;
import io.chatstream.backend.upstream.BaseUrl;
import io.chatstream.backend.upstream.Json;
import io.chatstream.event.ErrorCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link OpenAiBackend} with {@code chat.openai.api=responses} against a fake upstream on a real socket. */
class ResponsesBackendTest {

    private static final String KEY = "sk-resp-Zq8LmN4pR7sT1uV5wX9y";
    private static final String SSE = "text/event-stream; charset=utf-8";

    private static final BackendHarness<OpenAiBackend> HARNESS = new BackendHarness<>(SSE, KEY,
            ResponsesBackendTest::backend);
    private static final TestBackendContext CONTEXT = HARNESS.context();

    @AfterAll
    static void closeHarness() {
        HARNESS.close();
    }

    private static OpenAiBackend backend(TestBackendContext context, FakeUpstream fake) {
        return new OpenAiBackend(context, new BaseUrl(fake.url("/v1"), null), KEY, "gpt-4o-mini",
                OpenAiBackend.Api.RESPONSES, OpenAiBackend.AuthHeader.BEARER);
    }

    static Stream<Arguments> hostileWrites() {
        return BackendHarness.hostileWrites(Transcripts.RESPONSES, "several events per write");
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("hostileWrites")
    void transcriptStreamsExactlyOverHttp(Transcripts.Transcript transcript, String name, FakeUpstream.Splits splits)
            throws Exception {
        HARNESS.assertStreamsExactly(transcript, splits);
    }

    @Test
    void requestIsAStreamedResponseWithInstructionsAndInputMessages() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE,
                Transcripts.RESPONSES_CHINESE.body()))) {
            RecordingSink sink = new RecordingSink();
            ChatRequest request = new ChatRequest(List.of(
                    new ChatMessage(ChatMessage.Role.SYSTEM, "Be brief."),
                    new ChatMessage(ChatMessage.Role.USER, "Hi 👋"),
                    new ChatMessage(ChatMessage.Role.ASSISTANT, "<think>\nprivate thoughts\n</think>\n\nHello!"),
                    new ChatMessage(ChatMessage.Role.SYSTEM, "Answer in Chinese."),
                    new ChatMessage(ChatMessage.Role.USER, "再说一次")), "o4-mini", 0.3, 256);
            backend(CONTEXT, fake).start(request, sink);
            sink.awaitReply().end();

            FakeUpstream.Request r = fake.takeRequest();
            assertEquals("POST", r.method());
            assertEquals("/v1/responses", r.path());
            assertEquals("Bearer " + KEY, r.header("Authorization"));
            assertNull(r.header("api-key"));
            assertEquals("application/json", r.header("Content-Type"));
            assertEquals("text/event-stream", r.header("Accept"));
            JsonNode body = Json.parse(r.body());
            assertEquals("o4-mini", body.get("model").asText());
            assertTrue(body.get("stream").asBoolean());
            assertFalse(body.get("store").asBoolean());
            assertEquals("Be brief.\n\nAnswer in Chinese.", body.get("instructions").asText());
            assertEquals(0.3, body.get("temperature").asDouble());
            assertEquals(256, body.get("max_output_tokens").asInt());
            assertFalse(body.has("max_tokens"));
            assertFalse(body.has("messages"));
            JsonNode input = body.get("input");
            assertEquals(3, input.size());
            assertEquals("user", input.get(0).get("role").asText());
            assertEquals("Hi 👋", input.get(0).get("content").asText());
            assertEquals("assistant", input.get(1).get("role").asText());
            assertEquals("Hello!", input.get(1).get("content").asText(), "no reasoning sent back");
            assertEquals("再说一次", input.get(2).get("content").asText());
            assertFalse(r.body().contains(KEY));
            assertFalse(r.path().contains(KEY));
        }
    }

    @Test
    void optionsAreLeftOutWhenNotGiven() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, SSE,
                Transcripts.RESPONSES_CHINESE.body()))) {
            RecordingSink sink = new RecordingSink();
            backend(CONTEXT, fake).start(ChatRequest.of("x"), sink);
            sink.awaitReply().end();
            JsonNode body = Json.parse(fake.takeRequest().body());
            assertEquals("gpt-4o-mini", body.get("model").asText());
            assertFalse(body.has("instructions"));
            assertFalse(body.has("temperature"));
            assertFalse(body.has("max_output_tokens"));
        }
    }

    @Test
    void httpErrorStatusesMapAsForChatCompletions() throws Exception {
        String auth = HARNESS.failWith(ex -> ex.respondFully(401, "application/json",
                "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + "\",\"type\":\"invalid_request_error\","
                        + "\"code\":\"invalid_api_key\"}}"), ErrorCode.UPSTREAM_AUTH);
        assertTrue(auth.contains("HTTP 401") && auth.contains("chat.openai.api-key"), auth);
        String limited = HARNESS.failWith(ex -> ex.respondFully(429, "application/json",
                "{\"error\":{\"message\":\"Rate limit reached\"}}", "Retry-After: 3"), ErrorCode.UPSTREAM_RATE_LIMITED);
        assertTrue(limited.contains("Retry-After: 3"), limited);
        String bad = HARNESS.failWith(ex -> ex.respondFully(400, "application/json",
                "{\"error\":{\"message\":\"Unsupported parameter: 'temperature' is not supported with this model.\","
                        + "\"type\":\"invalid_request_error\",\"param\":\"temperature\"}}"), ErrorCode.UPSTREAM_ERROR);
        assertTrue(bad.contains("(HTTP 400): Unsupported parameter"), bad);
    }

    @Test
    void failedResponseInTheStreamIsOneUpstreamError() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(200, SSE, "event: response.output_text.delta\n"
                + "data: {\"type\":\"response.output_text.delta\",\"delta\":\"a\"}\n\n"
                + "event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"status\":\"failed\","
                + "\"error\":{\"code\":\"server_error\",\"message\":\"The model failed to generate a response.\"}}}\n\n"),
                ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.contains("The model failed to generate a response."), message);
    }

    @Test
    void bodyEndingWithoutATerminalEventIsUpstreamError() throws Exception {
        String message = HARNESS.failWith(ex -> ex.respondFully(200, SSE, "event: response.output_text.delta\n"
                + "data: {\"type\":\"response.output_text.delta\",\"delta\":\"half an ans\"}\n\n"),
                ErrorCode.UPSTREAM_ERROR);
        assertTrue(message.contains("ended before the reply finished"), message);
    }

    @Test
    void silenceAfterHeadersIsUpstreamTimeoutAndClosesTheConnection() throws Exception {
        HARNESS.assertSilenceTimesOutAndCloses("event: response.output_text.delta\n"
                + "data: {\"type\":\"response.output_text.delta\",\"delta\":\"a\"}\n\n", "a");
    }

    @Test
    void cancelMidStreamClosesTheUpstreamConnectionWithinOneSecond() throws Exception {
        HARNESS.assertCancelMidStreamClosesWithinOneSecond("event: response.output_text.delta\n"
                + "data: {\"type\":\"response.output_text.delta\",\"delta\":\"first\"}\n\n", "first");
    }
}
