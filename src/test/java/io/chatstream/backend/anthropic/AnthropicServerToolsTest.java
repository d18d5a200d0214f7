package io.chatstream.backend.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.testing.EndToEnd;
import io.chatstream.backend.testing.ServerToolRounds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static io.chatstream.backend.testing.ClientTools.assertJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Server tools with {@code chat.backend=anthropic} and thinking on: the model's {@code tool_use} block is run by the
 * server, and the next round carries it and a {@code tool_result} block in a user message.
 */
@Timeout(60)
class AnthropicServerToolsTest {

    private static EndToEnd server;

    @BeforeAll
    static void start() throws Exception {
        server = EndToEnd.start(fake -> ServerToolRounds.withTools(Map.of(
                "chat.backend", "anthropic",
                "chat.anthropic.base-url", fake.url("/v1"),
                "chat.anthropic.model", "claude-sonnet-4-5",
                "chat.anthropic.thinking-budget", "2048")));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void theCalculatorRunsAndTheNextRoundCarriesToolUseAndToolResultBlocks() throws Exception {
        JsonNode sent = ServerToolRounds.reply(server, AnthropicTranscripts.CALCULATOR, AnthropicTranscripts.CHINESE,
                List.of("1025"));
        assertJson("""
                [{"role":"user","content":"2^10+1 是多少？"},
                 {"role":"assistant","content":[
                   {"type":"tool_use","id":"toolu_01Calc7x","name":"calculator","input":{"expression":"2^10+1"}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"toolu_01Calc7x","content":"1025"}]}]
                """, sent.get("messages"));
        assertEquals(List.of("calculator", "echo"), ServerToolRounds.toolNames(sent), "still offered");
        assertNull(sent.get("thinking"), "the model's last turn called tools, and its thinking block is not kept");
    }
}
