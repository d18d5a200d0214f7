package io.chatstream.backend.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.testing.ClientTools;
import io.chatstream.backend.testing.EndToEnd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;

import static io.chatstream.backend.testing.ClientTools.assertJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Client tools with {@code chat.backend=anthropic}: tools with an {@code input_schema}, calls as {@code tool_use}
 * blocks, results as {@code tool_result} blocks of one user message. Thinking is on, as in production settings.
 */
@Timeout(60)
class AnthropicClientToolsTest {

    private static EndToEnd server;

    @BeforeAll
    static void start() throws Exception {
        server = EndToEnd.start(fake -> Map.of(
                "chat.backend", "anthropic",
                "chat.anthropic.base-url", fake.url("/v1"),
                "chat.anthropic.model", "claude-sonnet-4-5",
                "chat.anthropic.thinking-budget", "2048"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void toolsGoWithAnInputSchemaAndTheCallsStreamBack() throws Exception {
        JsonNode sent = ClientTools.callRound(server, AnthropicTranscripts.TOOL_USE, "\"auto\"");
        assertJson("""
                [{"name":"get_weather","description":"Current weather of a city",
                  "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
                 {"name":"get_time","input_schema":{"type":"object","properties":{}}}]
                """, sent.get("tools"));
        assertJson("{\"type\":\"auto\"}", sent.get("tool_choice"));
        assertEquals("enabled", sent.get("thinking").get("type").asText(), "thinking stays on with auto");
    }

    @Test
    void eachChoiceHasItsAnthropicName() throws Exception {
        assertJson("{\"type\":\"any\"}",
                ClientTools.callRound(server, AnthropicTranscripts.TOOL_USE, "\"required\"").get("tool_choice"));
        JsonNode named = ClientTools.callRound(server, AnthropicTranscripts.TOOL_USE,
                "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}");
        assertJson("{\"type\":\"tool\",\"name\":\"get_time\"}", named.get("tool_choice"));
        assertNull(named.get("thinking"), "the API refuses a forced tool with thinking");
        assertJson("{\"type\":\"none\"}",
                ClientTools.callRound(server, AnthropicTranscripts.TOOL_USE, "\"none\"").get("tool_choice"));
    }

    @Test
    void theFollowUpCarriesToolUseBlocksAndOneUserMessageOfResults() throws Exception {
        JsonNode sent = ClientTools.followUp(server, AnthropicTranscripts.TOOL_USE);
        assertJson("""
                [{"role":"user","content":"上海天气和时间？"},
                 {"role":"assistant","content":[
                   {"type":"text","text":"我来查一下。"},
                   {"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather",
                    "input":{"city":"上海 🌧"}},
                   {"type":"tool_use","id":"toolu_02Xk","name":"get_time","input":{"tz":"Asia/Shanghai"}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","content":"{\\"temp_c\\":18}"},
                   {"type":"tool_result","tool_use_id":"toolu_02Xk","content":"12:00"}]}]
                """, sent.get("messages"));
        assertNull(sent.get("thinking"), "the model's last turn called tools, and its thinking block is not kept");
    }
}
