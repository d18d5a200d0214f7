package io.chatstream.backend.ollama;

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

/**
 * Client tools with {@code chat.backend=ollama}: tools in the OpenAI shape, calls with their arguments as an object,
 * tool messages with the {@code tool_name} of the call they answer.
 */
@Timeout(60)
class OllamaClientToolsTest {

    private static EndToEnd server;

    @BeforeAll
    static void start() throws Exception {
        server = EndToEnd.start(fake -> Map.of(
                "chat.backend", "ollama",
                "chat.ollama.base-url", fake.url(""),
                "chat.ollama.model", "llama3.1"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void toolsGoInTheOpenAiShapeAndTheCallStreamsBack() throws Exception {
        JsonNode sent = ClientTools.callRound(server, Transcripts.OLLAMA_TOOL_CALL, "\"auto\"");
        assertJson("""
                [{"type":"function","function":{"name":"get_weather","description":"Current weather of a city",
                  "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                 {"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{}}}}]
                """, sent.get("tools"));
        assertNull(sent.get("tool_choice"), "Ollama has no tool_choice");
    }

    @Test
    void choiceNoneSendsNoTools() throws Exception {
        assertNull(ClientTools.callRound(server, Transcripts.OLLAMA_TOOL_CALL, "\"none\"").get("tools"));
    }

    @Test
    void theFollowUpCarriesArgumentsAsAnObjectAndTheToolName() throws Exception {
        JsonNode sent = ClientTools.followUp(server, Transcripts.OLLAMA_TOOL_CALL);
        assertJson("""
                [{"role":"user","content":"上海天气和时间？"},
                 {"role":"assistant","content":"","tool_calls":[
                   {"function":{"name":"get_weather","arguments":{"city":"东京"}}}]},
                 {"role":"tool","content":"{\\"temp_c\\":18}","tool_name":"get_weather"}]
                """, sent.get("messages"));
    }
}
