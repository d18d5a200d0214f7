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
import static org.junit.jupiter.api.Assertions.assertNull;

/** Client tools with {@code chat.openai.api=chat-completions}: the request's own shape, upstream and back. */
@Timeout(60)
class OpenAiClientToolsTest {

    private static EndToEnd server;

    @BeforeAll
    static void start() throws Exception {
        server = EndToEnd.start(fake -> Map.of(
                "chat.backend", "openai",
                "chat.openai.base-url", fake.url("/v1"),
                "chat.openai.model", "gpt-4o"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void toolsAndChoiceGoUpstreamAsTheyCameAndTheCallsStreamBack() throws Exception {
        JsonNode sent = ClientTools.callRound(server, Transcripts.OPENAI_TOOL_CALLS,
                "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}");
        assertJson("""
                [{"type":"function","function":{"name":"get_weather","description":"Current weather of a city",
                  "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                 {"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{}}}}]
                """, sent.get("tools"));
        assertJson("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}", sent.get("tool_choice"));
    }

    @Test
    void theFollowUpCarriesTheCallsAndTheResultsInTheSameShape() throws Exception {
        JsonNode sent = ClientTools.followUp(server, Transcripts.OPENAI_TOOL_CALLS);
        assertJson("""
                [{"role":"user","content":"上海天气和时间？"},
                 {"role":"assistant","content":null,"tool_calls":[
                   {"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"city\\": \\"上海 🌧\\"}"}},
                   {"id":"call_Xk2","type":"function",
                    "function":{"name":"get_time","arguments":"{\\"tz\\":\\"Asia/Shanghai\\"}"}}]},
                 {"role":"tool","content":"{\\"temp_c\\":18}","tool_call_id":"call_DdmO9pD3xa9XTPNJ32zg2hcA"},
                 {"role":"tool","content":"12:00","tool_call_id":"call_Xk2"}]
                """, sent.get("messages"));
        assertNull(sent.get("tool_choice"), "no tool_choice when the client gave none");
    }
}
