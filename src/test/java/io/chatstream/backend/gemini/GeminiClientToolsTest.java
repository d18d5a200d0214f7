package io.chatstream.backend.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.testing.ClientTools;
import io.chatstream.backend.testing.EndToEnd;
import io.chatstream.backend.upstream.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;

import static io.chatstream.backend.testing.ClientTools.assertJson;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Client tools with {@code chat.backend=gemini}: function declarations, a function calling mode, calls as
 * {@code functionCall} parts and results as {@code functionResponse} parts named after the call they answer.
 */
@Timeout(60)
class GeminiClientToolsTest {

    private static EndToEnd server;

    @BeforeAll
    static void start() throws Exception {
        server = EndToEnd.start(fake -> Map.of(
                "chat.backend", "gemini",
                "chat.gemini.base-url", fake.url("/v1beta"),
                "chat.gemini.model", "gemini-2.5-flash"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void toolsGoAsFunctionDeclarationsAndTheCallsStreamBack() throws Exception {
        JsonNode sent = ClientTools.callRound(server, GeminiTranscripts.FUNCTION_CALLS,
                "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}");
        assertJson("""
                [{"functionDeclarations":[
                  {"name":"get_weather","description":"Current weather of a city",
                   "parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}},
                     "required":["city"]}},
                  {"name":"get_time"}]}]
                """, sent.get("tools"));
        assertJson("{\"functionCallingConfig\":{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"get_weather\"]}}",
                sent.get("toolConfig"));
    }

    @Test
    void aStrictJsonSchemaGoesAsItIsNotCutToGeminisOpenApiSubset() throws Exception {
        // what OpenAI's strict mode asks clients to write: "parameters" (an OpenAPI subset) would refuse it
        String schema = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":[\"string\",\"null\"]}},"
                + "\"required\":[\"city\"],\"additionalProperties\":false}";
        server.serve(GeminiTranscripts.FUNCTION_CALLS);
        EndToEnd.EventStream s = server.post("{\"message\":\"hi\",\"tools\":[{\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"parameters\":" + schema + "}}]}");
        s.until("end");
        s.body().close();
        JsonNode sent = Json.parse(server.fake().takeRequest().body());
        assertJson("[{\"functionDeclarations\":[{\"name\":\"get_weather\",\"parametersJsonSchema\":" + schema
                + "}]}]", sent.get("tools"));
    }

    @Test
    void eachChoiceHasItsMode() throws Exception {
        assertJson("{\"functionCallingConfig\":{\"mode\":\"AUTO\"}}",
                ClientTools.callRound(server, GeminiTranscripts.FUNCTION_CALLS, "\"auto\"").get("toolConfig"));
        assertJson("{\"functionCallingConfig\":{\"mode\":\"NONE\"}}",
                ClientTools.callRound(server, GeminiTranscripts.FUNCTION_CALLS, "\"none\"").get("toolConfig"));
        assertJson("{\"functionCallingConfig\":{\"mode\":\"ANY\"}}",
                ClientTools.callRound(server, GeminiTranscripts.FUNCTION_CALLS, "\"required\"").get("toolConfig"));
        assertNull(ClientTools.callRound(server, GeminiTranscripts.FUNCTION_CALLS, null).get("toolConfig"));
    }

    @Test
    void theFollowUpCarriesFunctionCallAndFunctionResponseParts() throws Exception {
        JsonNode sent = ClientTools.followUp(server, GeminiTranscripts.FUNCTION_CALLS);
        assertJson("""
                [{"role":"user","parts":[{"text":"上海天气和时间？"}]},
                 {"role":"model","parts":[
                   {"text":"我来查一下。"},
                   {"functionCall":{"name":"get_weather","args":{"city":"上海 🌧","days":3,"units":{"temp":"c"}}},
                    "thoughtSignature":"skip_thought_signature_validator"},
                   {"functionCall":{"name":"get_time","args":{"tz":"Asia/Shanghai"}}}]},
                 {"role":"user","parts":[
                   {"functionResponse":{"name":"get_weather","response":{"temp_c":18}}},
                   {"functionResponse":{"name":"get_time","response":{"output":"12:00"}}}]}]
                """, sent.get("contents"));
    }
}
