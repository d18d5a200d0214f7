package io.chatstream.backend.gemini;

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
 * The whole product with {@code chat.backend=gemini} over real HTTP: the dev server on port 0, a fake Gemini API
 * on port 0, a client reading the event stream with the strict {@link SseParser}.
 */
@Timeout(60)
class GeminiEndToEndTest {

    private static final String KEY = "AIzaSyE2E-9a8b7c6d5e4f3a2b1c0d";
    private static EndToEnd server;

    @BeforeAll
    static void start() throws Exception {
        server = EndToEnd.start(fake -> Map.of(
                "chat.backend", "gemini",
                "chat.gemini.base-url", fake.url("/v1beta"),
                "chat.gemini.api-key", KEY,
                "chat.gemini.model", "gemini-2.5-flash",
                "chat.gemini.include-thoughts", "true",
                "chat.stream.detach-grace-seconds", "30"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void thoughtsAndAnswerStreamThroughTheServerExactly() throws Exception {
        Transcripts.Transcript t = GeminiTranscripts.THINKING;
        server.serve(t.withLineEnds("\r\n"));
        EventStream s = server.post("{\"messages\":[{\"role\":\"system\",\"content\":\"Be exact.\"},"
                + "{\"role\":\"user\",\"content\":\"9.11 和 9.8 哪个大？\"}],\"temperature\":0.2,\"max_tokens\":500}");
        assertEquals("gemini-2.5-flash", s.until("start").get("model").asText());
        JsonNode end = s.until("end");
        s.body().close();
        assertEquals(t.reasoning(), s.concat("reasoning"));
        assertEquals(t.answer(), s.concat("chunk"));
        assertEquals("stop", end.get("finish_reason").asText());
        assertEquals(14, end.get("usage").get("prompt_tokens").asInt());
        assertEquals(172, end.get("usage").get("completion_tokens").asInt());

        FakeUpstream.Request r = server.fake().takeRequest();
        assertEquals("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", r.path());
        assertEquals(KEY, r.header("x-goog-api-key"));
        JsonNode body = Json.parse(r.body());
        assertEquals("Be exact.", body.get("systemInstruction").get("parts").get(0).get("text").asText());
        assertEquals("9.11 和 9.8 哪个大？", body.get("contents").get(0).get("parts").get(0).get("text").asText());
        assertEquals("{\"temperature\":0.2,\"maxOutputTokens\":500,\"thinkingConfig\":{\"includeThoughts\":true}}",
                body.get("generationConfig").toString());
    }

    @Test
    void functionCallsStreamToolCallEventsAndEndWithToolCalls() throws Exception {
        server.upstream(ex -> ex.respondFully(200, "text/event-stream", GeminiTranscripts.FUNCTION_CALLS.body()));
        EventStream s = server.post("{\"message\":\"上海天气？\"}");
        JsonNode end = s.until("end");
        s.body().close();
        server.fake().takeRequest();
        assertEquals("tool_calls", end.get("finish_reason").asText());
        List<JsonNode> calls = s.ofType("tool_call");
        assertEquals(2, calls.size(), s.events().toString());
        assertEquals("{\"id\":\"fc_1\",\"name\":\"get_weather\",\"arguments\":"
                + "\"{\\\"city\\\":\\\"上海 🌧\\\",\\\"days\\\":3,\\\"units\\\":{\\\"temp\\\":\\\"c\\\"}}\"}",
                calls.get(0).get("tool_call").toString());
        assertEquals("get_time", calls.get(1).get("tool_call").get("name").asText());
    }

    @Test
    void aBlockedReplyIsAnUpstreamErrorEventAfterTheTextSent() throws Exception {
        server.upstream(ex -> ex.respondFully(200, "text/event-stream",
                "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Once\"}],\"role\": \"model\"},"
                        + "\"index\": 0}]}\r\n\r\n"
                        + "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"\"}],\"role\": \"model\"},"
                        + "\"finishReason\": \"PROHIBITED_CONTENT\",\"index\": 0}]}\r\n\r\n"));
        EventStream s = server.post("{\"message\":\"hi\"}");
        JsonNode error = s.until("error");
        s.body().close();
        server.fake().takeRequest();
        assertEquals("Once", s.concat("chunk"));
        assertEquals("upstream_error", error.get("code").asText());
        assertTrue(error.get("error").asText().contains("blocked the reply (finishReason PROHIBITED_CONTENT)"),
                error.toString());
        assertFalse(s.events().toString().contains(KEY));
    }

    @Test
    void deleteClosesTheUpstreamConnectionWithinOneSecond() throws Exception {
        server.assertDeleteClosesTheUpstreamWithinOneSecond("data: {\"candidates\": [{\"content\": {\"parts\": "
                + "[{\"text\": \"写一首长诗\"}],\"role\": \"model\"},\"index\": 0}]}\r\n\r\n",
                "gemini-2.0-flash");
    }
}
