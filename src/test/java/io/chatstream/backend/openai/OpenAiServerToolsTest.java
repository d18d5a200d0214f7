package io.chatstream.backend.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.testing.EndToEnd;
import io.chatstream.backend.testing.ServerToolRounds;
import io.chatstream.backend.testing.Transcripts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static io.chatstream.backend.testing.ClientTools.assertJson;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Server tools with {@code chat.openai.api=chat-completions}: the model's calls are run by the server, and the next
 * round is asked with the assistant's {@code tool_calls} and one {@code tool} message per call.
 */
@Timeout(60)
class OpenAiServerToolsTest {

    private static EndToEnd server;

    @BeforeAll
    static void start() throws Exception {
        server = EndToEnd.start(fake -> ServerToolRounds.withTools(Map.of(
                "chat.backend", "openai",
                "chat.openai.base-url", fake.url("/v1"),
                "chat.openai.model", "gpt-4o")));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void theCalculatorRunsAndTheNextRoundCarriesItsCallAndResult() throws Exception {
        JsonNode sent = ServerToolRounds.reply(server, Transcripts.OPENAI_CALCULATOR, Transcripts.OPENAI_CHINESE,
                List.of("1025"));
        assertJson("""
                [{"role":"user","content":"2^10+1 是多少？"},
                 {"role":"assistant","content":null,"tool_calls":[
                   {"id":"call_Qm3kGJcYwz1A","type":"function",
                    "function":{"name":"calculator","arguments":"{\\"expression\\": \\"2^10+1\\"}"}}]},
                 {"role":"tool","content":"1025","tool_call_id":"call_Qm3kGJcYwz1A"}]
                """, sent.get("messages"));
        assertEquals(List.of("calculator", "echo"), ServerToolRounds.toolNames(sent), "still offered");
    }

    @Test
    void twoServerToolsCalledAtOnceBothRunAndBothResultsGoBack() throws Exception {
        JsonNode sent = ServerToolRounds.reply(server, Transcripts.OPENAI_CALCULATOR_AND_ECHO,
                Transcripts.OPENAI_CHINESE, List.of("1025", "echo {\"text\": \"上海 🌧\"}"));
        assertJson("""
                [{"role":"user","content":"2^10+1 是多少？"},
                 {"role":"assistant","content":"我来算一下。","tool_calls":[
                   {"id":"call_Ab1","type":"function",
                    "function":{"name":"calculator","arguments":"{\\"expression\\":\\"2^10+1\\"}"}},
                   {"id":"call_Cd2","type":"function",
                    "function":{"name":"echo","arguments":"{\\"text\\": \\"上海 🌧\\"}"}}]},
                 {"role":"tool","content":"1025","tool_call_id":"call_Ab1"},
                 {"role":"tool","content":"echo {\\"text\\": \\"上海 🌧\\"}","tool_call_id":"call_Cd2"}]
                """, sent.get("messages"));
    }

}
