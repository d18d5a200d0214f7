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
 * The whole product with {@code chat.backend=openai} and {@code chat.openai.api=responses} over real HTTP: the dev
 * server on port 0, a fake upstream on port 0 writing the Responses API's typed events one byte at a time, a client
 * reading the event stream with the strict {@link SseParser}.
 */
@Timeout(60)
class ResponsesEndToEndTest {

    private static final String KEY = "sk-e2e-responses-1a2b3c4d5e";
    private static EndToEnd server;

    @BeforeAll
    static void start() throws Exception {
        server = EndToEnd.start(fake -> Map.of(
                "chat.backend", "openai",
                "chat.openai.api", "responses",
                "chat.openai.base-url", fake.url("/v1"),
                "chat.openai.api-key", KEY,
                "chat.openai.model", "o4-mini",
                "chat.stream.detach-grace-seconds", "30"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void reasoningAndAnswerStreamThroughTheServerExactly() throws Exception {
        Transcripts.Transcript t = Transcripts.RESPONSES_REASONING;
        server.serve(t);
        EventStream s = server.post("{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"9.11 和 9.8 哪个大？\"}],\"max_tokens\":300}");
        assertEquals("o4-mini", s.until("start").get("model").asText());
        JsonNode end = s.until("end");
        s.body().close();
        assertEquals(t.reasoning(), s.concat("reasoning"));
        assertEquals(t.answer(), s.concat("chunk"));
        assertEquals("stop", end.get("finish_reason").asText());
        assertEquals(18, end.get("usage").get("prompt_tokens").asInt());
        assertEquals(64, end.get("usage").get("completion_tokens").asInt());

        FakeUpstream.Request r = server.fake().takeRequest();
        assertEquals("/v1/responses", r.path());
        assertEquals("Bearer " + KEY, r.header("Authorization"));
        JsonNode body = Json.parse(r.body());
        assertEquals("Be brief.", body.get("instructions").asText());
        assertEquals("9.11 和 9.8 哪个大？", body.get("input").get(0).get("content").asText());
        assertEquals(300, body.get("max_output_tokens").asInt());
    }

    @Test
    void textThatTriesToForgeAFrameArrivesAsText() throws Exception {
        Transcripts.Transcript t = Transcripts.RESPONSES_CHINESE;
        server.serve(t);
        EventStream s = server.post("{\"message\":\"你好\"}");
        s.until("end");
        s.body().close();
        server.fake().takeRequest();
        assertEquals(t.answer(), s.concat("chunk"));
        assertTrue(t.answer().contains("\n\ndata: x"));
        assertEquals(List.of("start", "end"), s.events().stream().map(e -> e.get("type").asText())
                .filter(type -> !type.equals("chunk")).toList(), "no forged event");
    }

    @Test
    void functionCallsEndTheReplyWithToolCalls() throws Exception {
        Transcripts.Transcript t = Transcripts.RESPONSES_TOOL_CALLS;
        server.serve(t);
        EventStream s = server.post("{\"message\":\"上海天气和时间\"}");
        JsonNode end = s.until("end");
        s.body().close();
        server.fake().takeRequest();
        assertEquals("tool_calls", end.get("finish_reason").asText());
        List<JsonNode> calls = s.ofType("tool_call");
        assertEquals(2, calls.size());
        assertEquals("call_DdmO9pD3xa9XTPNJ32zg2hcA", calls.get(0).get("tool_call").get("id").asText());
        assertEquals("get_weather", calls.get(0).get("tool_call").get("name").asText());
        assertEquals("{\"city\": \"上海 🌧\"}", calls.get(0).get("tool_call").get("arguments").asText());
        assertEquals("{\"tz\":\"Asia/Shanghai\"}", calls.get(1).get("tool_call").get("arguments").asText());
    }

    @Test
    void failedResponseIsAnErrorEventWithoutTheKey() throws Exception {
        server.upstream(ex -> ex.respondFully(200, "text/event-stream",
                "event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"status\":\"failed\","
                        + "\"error\":{\"code\":\"server_error\",\"message\":\"key " + KEY + " overloaded\"}}}\n\n"));
        EventStream s = server.post("{\"message\":\"hi\"}");
        JsonNode error = s.until("error");
        s.body().close();
        server.fake().takeRequest();
        assertEquals("upstream_error", error.get("code").asText());
        String message = error.get("error").asText();
        assertTrue(message.contains("overloaded"), message);
        assertFalse(message.contains(KEY), message);
    }

    @Test
    void deleteClosesTheUpstreamConnectionWithinOneSecond() throws Exception {
        server.assertDeleteClosesTheUpstreamWithinOneSecond("event: response.output_text.delta\n"
                + "data: {\"type\":\"response.output_text.delta\",\"delta\":\"写一首长诗\"}\n\n", null);
    }
}
