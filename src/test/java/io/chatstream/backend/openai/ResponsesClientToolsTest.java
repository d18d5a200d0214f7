package io.chatstream.backend.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.testing.ClientTools;
import io.chatstream.backend.testing.EndToEnd;
import io.chatstream.backend.testing.Transcripts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;

import static io.chatstream.backend.testing.ClientTools.assertJson;

/** Client tools with {@code chat.openai.api=responses}: function tools, function_call and its output as items. */
@Timeout(60)
class ResponsesClientToolsTest {

    private static EndToEnd server;

    @BeforeAll
    static void start() throws Exception {
        server = EndToEnd.start(fake -> Map.of(
                "chat.backend", "openai",
                "chat.openai.api", "responses",
                "chat.openai.base-url", fake.url("/v1"),
                "chat.openai.model", "gpt-4.1"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void toolsGoAsFunctionToolsAndTheCallsStreamBack() throws Exception {
        JsonNode sent = ClientTools.callRound(server, Transcripts.RESPONSES_TOOL_CALLS, "\"required\"");
        assertJson("""
                [{"type":"function","name":"get_weather","description":"Current weather of a city",
                  "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},
                  "strict":false},
                 {"type":"function","name":"get_time","parameters":{"type":"object","properties":{}},"strict":false}]
                """, sent.get("tools"));
        assertJson("\"required\"", sent.get("tool_choice"));
    }

    @Test
    void aNamedFunctionIsChosenInThisApisShape() throws Exception {
        JsonNode sent = ClientTools.callRound(server, Transcripts.RESPONSES_TOOL_CALLS,
                "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}");
        assertJson("{\"type\":\"function\",\"name\":\"get_time\"}", sent.get("tool_choice"));
    }

    @Test
    void theFollowUpCarriesFunctionCallAndOutputItems() throws Exception {
        JsonNode sent = ClientTools.followUp(server, Transcripts.RESPONSES_TOOL_CALLS);
        assertJson("""
                [{"role":"user","content":"上海天气和时间？"},
                 {"type":"function_call","call_id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","name":"get_weather",
                  "arguments":"{\\"city\\": \\"上海 🌧\\"}"},
                 {"type":"function_call","call_id":"call_Xk2","name":"get_time",
                  "arguments":"{\\"tz\\":\\"Asia/Shanghai\\"}"},
                 {"type":"function_call_output","call_id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","output":"{\\"temp_c\\":18}"},
                 {"type":"function_call_output","call_id":"call_Xk2","output":"12:00"}]
                """, sent.get("input"));
    }
}
