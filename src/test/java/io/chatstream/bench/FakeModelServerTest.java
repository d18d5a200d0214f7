package io.chatstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * S6's fake provider must speak each dialect well enough for the real backends: every stream through
 * {@code chat.backend=openai} and {@code ollama} complete with every token, over keep-alive connections that the
 * backends reuse, and its model lists readable.
 */
class FakeModelServerTest {

    private static final int TOKENS = 40;
    private static FakeModelServer fake;

    @BeforeAll
    static void start() throws Exception {
        fake = new FakeModelServer(Map.of("port", "0", "tokens-per-second", "400", "reply-tokens",
                Integer.toString(TOKENS), "models", "fake-1,fake-2"));
    }

    @AfterAll
    static void stop() throws Exception {
        fake.close();
    }

    private static void streamsThrough(Map<String, String> settings) throws Exception {
        try (TestServer server = TestServer.start(settings)) {
            long before = fake.replies();
            long connectionsBefore = fake.connections();
            // two rounds of 30: the second reuses the connections the first left open
            for (int round = 0; round < 2; round++) {
                boolean ok = LoadClient.run(Map.of("label", settings.get("chat.backend") + "-" + round, "port",
                        Integer.toString(server.port()), "path", "/api/chat", "streams", "30", "ramp", "0.3",
                        "reply-tokens", Integer.toString(TOKENS), "timeout", "60"));
                assertTrue(ok, "a stream failed (see the report above)");
            }
            assertEquals(before + 60, fake.replies(), "every reply came from the fake upstream, to its end");
            assertTrue(fake.connections() - connectionsBefore < 60, "connections were reused after a reply ended");
        }
    }

    @Test
    void theOpenAiBackendStreamsEveryReplyToItsEnd() throws Exception {
        streamsThrough(Map.of("chat.backend", "openai", "chat.openai.base-url",
                "http://127.0.0.1:" + fake.port() + "/v1", "chat.openai.model", "fake-1",
                "chat.limits.max-streams-per-client", "100"));
    }

    @Test
    void theOllamaBackendStreamsEveryReplyToItsEnd() throws Exception {
        streamsThrough(Map.of("chat.backend", "ollama", "chat.ollama.base-url", "http://127.0.0.1:" + fake.port(),
                "chat.ollama.model", "fake-1", "chat.limits.max-streams-per-client", "100"));
    }

    @Test
    void itListsItsModelsInBothDialectsAndAnswers404Otherwise() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        ObjectMapper json = new ObjectMapper();
        URI base = URI.create("http://127.0.0.1:" + fake.port());
        JsonNode openai = json.readTree(client.send(HttpRequest.newBuilder(base.resolve("/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertEquals("fake-2", openai.get("data").get(1).get("id").asText());
        JsonNode ollama = json.readTree(client.send(HttpRequest.newBuilder(base.resolve("/api/tags")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertEquals("fake-1", ollama.get("models").get(0).get("name").asText());
        assertEquals(404, client.send(HttpRequest.newBuilder(base.resolve("/v1/embeddings")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
    }
}
