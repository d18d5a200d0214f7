package io.chatstream.backend.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.testing.EndToEnd;
import io.chatstream.backend.testing.ServerToolRounds;
import io.chatstream.backend.testing.Transcripts;
import io.chatstream.backend.upstream.Json;
import io.chatstream.testing.SseRecorder.Event;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static io.chatstream.backend.testing.ClientTools.assertJson;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Server tools with {@code chat.backend=ollama}: the model's call (no id: the server names it {@code call_0}) is run
 * by the server, and the next round carries it with its arguments as an object and a {@code tool} message with its
 * {@code tool_name}; the second round thinks, and its thinking streams too. A later round's calls, numbered from
 * {@code call_0} again by Ollama's decoder, are streamed with ids of their own.
 */
@Timeout(60)
class OllamaServerToolsTest {

    private static EndToEnd server;

    @BeforeAll
    static void start() throws Exception {
        server = EndToEnd.start(fake -> ServerToolRounds.withTools(Map.of(
                "chat.backend", "ollama",
                "chat.ollama.base-url", fake.url(""),
                "chat.ollama.model", "llama3.1")));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void theCalculatorRunsAndTheNextRoundCarriesTheCallAndTheToolMessage() throws Exception {
        JsonNode sent = ServerToolRounds.reply(server, Transcripts.OLLAMA_CALCULATOR, Transcripts.OLLAMA_THINKING,
                List.of("1025"));
        assertJson("""
                [{"role":"user","content":"2^10+1 是多少？"},
                 {"role":"assistant","content":"","tool_calls":[
                   {"function":{"name":"calculator","arguments":{"expression":"2^10+1"}}}]},
                 {"role":"tool","content":"1025","tool_name":"calculator"}]
                """, sent.get("messages"));
        assertEquals(List.of("calculator", "echo"), ServerToolRounds.toolNames(sent), "still offered");
    }

    @Test
    void aSecondRoundOfCallsGetsIdsOfItsOwn() throws Exception {
        server.serveInTurn(Transcripts.OLLAMA_CALCULATOR, Transcripts.OLLAMA_CALCULATOR, Transcripts.OLLAMA_THINKING);
        List<Event> events = server.postToEnd("{\"message\":\"" + ServerToolRounds.QUESTION + "\"}");

        assertEquals(List.of("call_0", "call_0_2"), events.stream().filter(e -> e.type().equals("tool_call"))
                .map(e -> e.json().get("tool_call").get("id").asText()).toList(), "the second round's call renamed");
        assertEquals(List.of("call_0:1025", "call_0_2:1025"), events.stream()
                .filter(e -> e.type().equals("tool_result"))
                .map(e -> e.json().get("tool_call_id").asText() + ":" + e.json().get("result").asText()).toList());
        assertEquals("stop", events.get(events.size() - 1).json().get("finish_reason").asText());
        server.fake().takeRequest();
        server.fake().takeRequest();
        JsonNode third = Json.parse(server.fake().takeRequest().body());
        String call = "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":"
                + "{\"name\":\"calculator\",\"arguments\":{\"expression\":\"2^10+1\"}}}]},"
                + "{\"role\":\"tool\",\"content\":\"1025\",\"tool_name\":\"calculator\"}";
        assertJson("[{\"role\":\"user\",\"content\":\"2^10+1 是多少？\"}," + call + "," + call + "]",
                third.get("messages"));
    }
}
