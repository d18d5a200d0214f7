package io.chatstream.backend.gemini;

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

/**
 * Server tools with {@code chat.backend=gemini}: the server tools are declared within Gemini's schema subset, the
 * model's {@code functionCall} part (without an id) is run by the server, and the next round carries it and a
 * {@code functionResponse} part named after it.
 */
@Timeout(60)
class GeminiServerToolsTest {

    private static EndToEnd server;

    @BeforeAll
    static void start() throws Exception {
        server = EndToEnd.start(fake -> ServerToolRounds.withTools(Map.of(
                "chat.backend", "gemini",
                "chat.gemini.base-url", fake.url("/v1beta"),
                "chat.gemini.model", "gemini-2.5-flash")));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void theCalculatorRunsAndTheNextRoundCarriesFunctionCallAndFunctionResponseParts() throws Exception {
        JsonNode sent = ServerToolRounds.reply(server, GeminiTranscripts.CALCULATOR, GeminiTranscripts.CHINESE,
                List.of("1025"));
        assertJson("""
                [{"role":"user","parts":[{"text":"2^10+1 是多少？"}]},
                 {"role":"model","parts":[
                   {"functionCall":{"name":"calculator","args":{"expression":"2^10+1"}},
                    "thoughtSignature":"skip_thought_signature_validator"}]},
                 {"role":"user","parts":[
                   {"functionResponse":{"name":"calculator","response":{"output":"1025"}}}]}]
                """, sent.get("contents"));
    }

    @Test
    void theServerToolsAreDeclaredWithTheirJsonSchema() throws Exception {
        JsonNode sent = ServerToolRounds.reply(server, GeminiTranscripts.CALCULATOR, GeminiTranscripts.CHINESE,
                List.of("1025"));
        assertJson("""
                [{"functionDeclarations":[
                  {"name":"calculator","description":"Evaluates an arithmetic expression exactly: decimals, + - * / ^ \
                and parentheses. Use it for any arithmetic instead of computing in your head.",
                   "parametersJsonSchema":{"type":"object","properties":{"expression":{"type":"string",
                     "description":"For example (2 + 3) * 4.5 or 2^10 / 8"}},"required":["expression"]}},
                  {"name":"echo","description":"a test tool"}]}]
                """, sent.get("tools"));
    }
}
