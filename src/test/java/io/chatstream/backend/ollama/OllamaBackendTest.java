package io.chatstream.backend.ollama;

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
import io.chatstream.event.ErrorCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link OllamaBackend} against a fake Ollama on a real socket. */
class OllamaBackendTest {

    private static final String NDJSON = "application/x-ndjson";
    private static final BackendHarness<OllamaBackend> HARNESS = new BackendHarness<>(NDJSON, null,
            OllamaBackendTest::backend);
    private static final TestBackendContext CONTEXT = HARNESS.context();

    @AfterAll
    static void closeHarness() {
        HARNESS.close();
    }

    private static OllamaBackend backend(TestBackendContext context, FakeUpstream fake) {
        return new OllamaBackend(context, URI.create(fake.url("/api/chat")), "qwen3:8b");
    }

    static Stream<Arguments> hostileWrites() {
        return BackendHarness.hostileWrites(Transcripts.OLLAMA, "several lines per write");
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("hostileWrites")
    void transcriptStreamsExactlyOverHttp(Transcripts.Transcript transcript, String name, FakeUpstream.Splits splits)
            throws Exception {
        HARNESS.assertStreamsExactly(transcript, splits);
    }

    @Test
    void requestIsAStreamedApiChat() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, NDJSON,
                Transcripts.OLLAMA_THINKING.body()))) {
            RecordingSink sink = new RecordingSink();
            backend(CONTEXT, fake).start(new ChatRequest(List.of(
                    ChatMessage.user("Hi"),
                    new ChatMessage(ChatMessage.Role.ASSISTANT, "<think>mine</think>Hello"),
                    ChatMessage.user("Again")), null, 0.2, 64), sink);
            sink.awaitReply().end();
            FakeUpstream.Request r = fake.takeRequest();
            assertEquals("/api/chat", r.path());
            JsonNode body = Json.parse(r.body());
            assertEquals("qwen3:8b", body.get("model").asText());
            assertTrue(body.get("stream").asBoolean());
            assertEquals(0.2, body.get("options").get("temperature").asDouble());
            assertEquals(64, body.get("options").get("num_predict").asInt());
            assertEquals("Hello", body.get("messages").get(1).get("content").asText());
            assertEquals(null, r.header("Authorization"));
        }
    }

    @Test
    void noOptionsWhenNoneGiven() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, NDJSON,
                Transcripts.OLLAMA_THINKING.body()))) {
            RecordingSink sink = new RecordingSink();
            backend(CONTEXT, fake).start(new ChatRequest(List.of(ChatMessage.user("Hi")), "llama3.2", null, null),
                    sink);
            sink.awaitReply().end();
            JsonNode body = Json.parse(fake.takeRequest().body());
            assertEquals("llama3.2", body.get("model").asText());
            assertFalse(body.has("options"));
        }
    }

    @Test
    void noModelAnywhereIsUnavailable() {
        OllamaBackend backend = new OllamaBackend(CONTEXT, URI.create("http://127.0.0.1:9/api/chat"), null);
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> backend.start(ChatRequest.of("x"), new RecordingSink()));
        assertTrue(e.getMessage().contains("chat.ollama.model"), e.getMessage());
    }

    @Test
    void unknownModelIs404UpstreamErrorQuotingOllama() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(404, "application/json",
                "{\"error\":\"model \\\"qwen3:8b\\\" not found, try pulling it first\"}"))) {
            RecordingSink sink = new RecordingSink();
            backend(CONTEXT, fake).start(ChatRequest.of("x"), sink);
            String message = sink.awaitError(ErrorCode.UPSTREAM_ERROR);
            assertTrue(message.contains("(HTTP 404): model \"qwen3:8b\" not found, try pulling it first"), message);
        }
    }

    @Test
    void errorLineMidStreamIsOneUpstreamError() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, NDJSON,
                "{\"message\":{\"role\":\"assistant\",\"content\":\"部\"},\"done\":false}\n"
                        + "{\"error\":\"an error was encountered while running the model: unexpected EOF\"}\n"))) {
            RecordingSink sink = new RecordingSink();
            backend(CONTEXT, fake).start(ChatRequest.of("x"), sink);
            sink.assertChunk("部");
            String message = sink.awaitError(ErrorCode.UPSTREAM_ERROR);
            assertTrue(message.contains("unexpected EOF"), message);
            sink.assertNoMoreCalls(Duration.ofMillis(200));
        }
    }

    @Test
    void bodyEndingWithoutDoneIsUpstreamError() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> ex.respondFully(200, NDJSON,
                "{\"message\":{\"role\":\"assistant\",\"content\":\"a\"},\"done\":false}\n"))) {
            RecordingSink sink = new RecordingSink();
            backend(CONTEXT, fake).start(ChatRequest.of("x"), sink);
            assertTrue(sink.awaitError(ErrorCode.UPSTREAM_ERROR).contains("no \"done\": true line"));
        }
    }

    @Test
    void silenceIsUpstreamTimeout() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> {
            ex.respond(200, NDJSON);
            ex.stall(Duration.ofSeconds(5));
        })) {
            RecordingSink sink = new RecordingSink();
            HARNESS.quickIdleBackend(fake).start(ChatRequest.of("x"), sink);
            sink.awaitError(ErrorCode.UPSTREAM_TIMEOUT);
        }
    }

    @Test
    void cancelClosesTheUpstreamConnectionWithinOneSecond() throws Exception {
        HARNESS.assertCancelMidStreamClosesWithinOneSecond(
                "{\"message\":{\"role\":\"assistant\",\"content\":\"一\"},\"done\":false}\n", "一");
    }
}
