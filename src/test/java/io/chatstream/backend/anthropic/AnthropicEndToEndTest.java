package io.chatstream.backend.anthropic;

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
 * The whole product with {@code chat.backend=anthropic} over real HTTP: the dev server on port 0, a fake Messages API
 * on port 0, a client reading the event stream with the strict {@link SseParser}.
 */
@Timeout(60)
class AnthropicEndToEndTest {

    private static final String KEY = "sk-ant-e2e-9a8b7c6d5e4f3a2b";
    private static EndToEnd server;

    @BeforeAll
    static void start() throws Exception {
        server = EndToEnd.start(fake -> Map.of(
                "chat.backend", "anthropic",
                "chat.anthropic.base-url", fake.url("/v1"),
                "chat.anthropic.api-key", KEY,
                "chat.anthropic.model", "claude-sonnet-4-5",
                "chat.anthropic.thinking-budget", "2048",
                "chat.stream.detach-grace-seconds", "30"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void thinkingAndAnswerStreamThroughTheServerExactly() throws Exception {
        Transcripts.Transcript t = AnthropicTranscripts.THINKING;
        server.serve(t);
        EventStream s = server.post("{\"messages\":[{\"role\":\"system\",\"content\":\"Be exact.\"},"
                + "{\"role\":\"user\",\"content\":\"27 * 453 = ?\"}],\"temperature\":0.2}");
        assertEquals("claude-sonnet-4-5", s.until("start").get("model").asText());
        JsonNode end = s.until("end");
        s.body().close();
        assertEquals(t.reasoning(), s.concat("reasoning"));
        assertEquals(t.answer(), s.concat("chunk"));
        assertEquals("stop", end.get("finish_reason").asText());
        assertEquals(2060, end.get("usage").get("prompt_tokens").asInt());
        assertEquals(280, end.get("usage").get("completion_tokens").asInt());

        FakeUpstream.Request r = server.fake().takeRequest();
        assertEquals("/v1/messages", r.path());
        assertEquals(KEY, r.header("x-api-key"));
        assertEquals("2023-06-01", r.header("anthropic-version"));
        JsonNode body = Json.parse(r.body());
        assertEquals("Be exact.", body.get("system").asText());
        assertEquals("27 * 453 = ?", body.get("messages").get(0).get("content").asText());
        assertEquals(2048, body.get("thinking").get("budget_tokens").asInt());
    }

    @Test
    void toolUseStreamsToolCallEventsAndEndsWithToolCalls() throws Exception {
        server.upstream(ex -> ex.respondFully(200, "text/event-stream", AnthropicTranscripts.TOOL_USE.body()));
        EventStream s = server.post("{\"message\":\"上海天气？\"}");
        JsonNode end = s.until("end");
        s.body().close();
        server.fake().takeRequest();
        assertEquals("tool_calls", end.get("finish_reason").asText());
        List<JsonNode> calls = s.ofType("tool_call");
        assertEquals(2, calls.size(), s.events().toString());
        assertEquals("{\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"get_weather\",\"arguments\":"
                + "\"{\\\"city\\\": \\\"上海 🌧\\\"}\"}", calls.get(0).get("tool_call").toString());
        assertEquals("get_time", calls.get(1).get("tool_call").get("name").asText());
    }

    @Test
    void overloadedMidStreamIsARateLimitedErrorEvent() throws Exception {
        server.upstream(ex -> ex.respondFully(200, "text/event-stream", """
                event: message_start
                data: {"type":"message_start","message":{"usage":{"input_tokens":5,"output_tokens":1}}}

                event: error
                data: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}

                """));
        EventStream s = server.post("{\"message\":\"hi\"}");
        JsonNode error = s.until("error");
        s.body().close();
        server.fake().takeRequest();
        assertEquals("upstream_rate_limited", error.get("code").asText());
        assertTrue(error.get("error").asText().contains("Overloaded"), error.toString());
        assertFalse(s.events().toString().contains(KEY));
    }

    @Test
    void deleteClosesTheUpstreamConnectionWithinOneSecond() throws Exception {
        server.assertDeleteClosesTheUpstreamWithinOneSecond("event: content_block_delta\ndata: {\"type\":"
                + "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"写一首长诗\"}}\n\n",
                "claude-haiku-4-5");
    }
}
