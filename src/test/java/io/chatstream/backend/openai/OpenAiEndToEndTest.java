package io.chatstream.backend.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.testing.EndToEnd;
import io.chatstream.backend.testing.EndToEnd.EventStream;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.backend.testing.Transcripts;
import io.chatstream.backend.upstream.Json;
import io.chatstream.testing.SseParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole product with {@code chat.backend=openai} over real HTTP: the dev server on port 0, a fake upstream on
 * port 0, a client reading the event stream with the strict {@link SseParser}.
 */
@Timeout(60)
class OpenAiEndToEndTest {

    private static final String KEY = "sk-e2e-9a8b7c6d5e4f";
    private static EndToEnd server;

    @BeforeAll
    static void start() throws Exception {
        server = EndToEnd.start(fake -> Map.of(
                "chat.backend", "openai",
                "chat.openai.base-url", fake.url("/v1"),
                "chat.openai.api-key", KEY,
                "chat.openai.model", "deepseek-reasoner",
                "chat.stream.detach-grace-seconds", "30"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void reasoningModelStreamsThroughTheServerExactly() throws Exception {
        Transcripts.Transcript t = Transcripts.DEEPSEEK_REASONER;
        server.serve(t);
        EventStream s = server.post("{\"messages\":[{\"role\":\"user\",\"content\":\"9.11 和 9.8 哪个大？\"}]}");
        JsonNode start = s.until("start");
        assertEquals("deepseek-reasoner", start.get("model").asText());
        JsonNode end = s.until("end");
        s.body().close();
        assertEquals(t.reasoning(), s.concat("reasoning"));
        assertEquals(t.answer(), s.concat("chunk"));
        assertEquals("stop", end.get("finish_reason").asText());
        assertEquals(18, end.get("usage").get("prompt_tokens").asInt());
        assertEquals(64, end.get("usage").get("completion_tokens").asInt());
        int firstChunk = indexOf(s.events(), "chunk");
        int lastReasoning = lastIndexOf(s.events(), "reasoning");
        assertTrue(lastReasoning < firstChunk, "reasoning comes before the answer");

        FakeUpstream.Request r = server.fake().takeRequest();
        assertEquals("/v1/chat/completions", r.path());
        assertEquals("Bearer " + KEY, r.header("Authorization"));
        assertEquals("9.11 和 9.8 哪个大？", Json.parse(r.body()).get("messages").get(0).get("content").asText());
    }

    @Test
    void deleteClosesTheUpstreamConnectionWithinOneSecond() throws Exception {
        server.assertDeleteClosesTheUpstreamWithinOneSecond(
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"写一首长诗\"}}]}\n\n", "deepseek-chat");
    }

    @Test
    void upstreamRefusingTheKeyIsAnErrorEventWithoutTheKey() throws Exception {
        server.upstream(ex -> ex.respondFully(401, "application/json",
                "{\"error\":{\"message\":\"Authentication Fails, Your api key: " + KEY + " is invalid\","
                        + "\"type\":\"authentication_error\"}}"));
        EventStream s = server.post("{\"message\":\"hi\"}");
        JsonNode error = s.until("error");
        s.body().close();
        server.fake().takeRequest();
        assertEquals("upstream_auth", error.get("code").asText());
        String message = error.get("error").asText();
        assertTrue(message.contains("HTTP 401") && message.contains("Authentication Fails"), message);
        assertFalse(message.contains(KEY), message);
        assertFalse(s.events().toString().contains(KEY));
    }

    @Test
    void anUpstreamHtmlErrorPageIsAnErrorEventInWords() throws Exception {
        server.upstream(ex -> ex.respondFully(500, "text/html", "<html><body><h1>500 Internal Server Error</h1>"
                + "<p>The server encountered an internal error and was unable to complete your request.</p>"
                + "</body></html>"));
        EventStream s = server.post("{\"message\":\"hi\"}");
        JsonNode error = s.until("error");
        s.body().close();
        server.fake().takeRequest();
        assertEquals("upstream_error", error.get("code").asText());
        assertEquals("Upstream 127.0.0.1:" + server.fake().port() + ": failed with an internal error (HTTP 500)",
                error.get("error").asText());
    }

    private static int indexOf(List<JsonNode> events, String type) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).get("type").asText().equals(type)) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(List<JsonNode> events, String type) {
        int last = -1;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).get("type").asText().equals(type)) {
                last = i;
            }
        }
        return last;
    }
}
