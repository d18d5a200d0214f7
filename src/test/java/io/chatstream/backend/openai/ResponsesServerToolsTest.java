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
 * Server tools with {@code chat.openai.api=responses}: the model's {@code function_call} item is run by the server,
 * and the next round's {@code input} carries it and its {@code function_call_output}.
 */
@Timeout(60)
class ResponsesServerToolsTest {

    private static EndToEnd server;

    @BeforeAll
    static void start() throws Exception {
        server = EndToEnd.start(fake -> ServerToolRounds.withTools(Map.of(
                "chat.backend", "openai",
                "chat.openai.api", "responses",
                "chat.openai.base-url", fake.url("/v1"),
                "chat.openai.model", "gpt-4.1")));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void theCalculatorRunsAndTheNextRoundCarriesTheCallAndItsOutputAsItems() throws Exception {
        JsonNode sent = ServerToolRounds.reply(server, Transcripts.RESPONSES_CALCULATOR, Transcripts.RESPONSES_CHINESE,
                List.of("1025"));
        assertJson("""
                [{"role":"user","content":"2^10+1 是多少？"},
                 {"type":"function_call","call_id":"call_Qm3kGJcYwz1A","name":"calculator",
                  "arguments":"{\\"expression\\":\\"2^10+1\\"}"},
                 {"type":"function_call_output","call_id":"call_Qm3kGJcYwz1A","output":"1025"}]
                """, sent.get("input"));
        assertEquals(List.of("calculator", "echo"), ServerToolRounds.toolNames(sent), "still offered");
    }
}
