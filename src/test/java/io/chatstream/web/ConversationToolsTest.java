package io.chatstream.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.testing.ClientTools;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.backend.testing.Transcripts;
import io.chatstream.backend.upstream.Json;
import io.chatstream.testing.SseRecorder.Event;
import io.chatstream.testing.TestServer;
import io.chatstream.web.ConversationsApiTest.Api;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.chatstream.backend.testing.ClientTools.assertJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Client tools in a conversation kept on the server, over real HTTP with the embedded database and an OpenAI fake
 * upstream on a real port whose model always calls the two tools: a send's {@code tools} and {@code tool_choice}
 * reach the model, the reply keeps its {@code tool_calls}, and the next turn's history is one every dialect takes.
 */
@Timeout(60)
class ConversationToolsTest {

    private static FakeUpstream fake;
    private static TestServer server;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("chat-store");
        fake = FakeUpstream.start(ex -> {
            ex.respond(200, "text/event-stream").write(Transcripts.OPENAI_TOOL_CALLS.bytes(),
                    FakeUpstream.Splits.oneByte());
            ex.end();
        });
        server = TestServer.start(Map.of("chat.backend", "openai", "chat.openai.base-url", fake.url("/v1"),
                "chat.openai.model", "gpt-4o", "chat.store.url", "embedded", "chat.store.dir", dir.toString()));
        api = new Api(server);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            server.close();
        } finally {
            fake.close();
        }
    }

    @Test
    void aSendsToolsReachTheModelAndTheReplyKeepsItsCalls() throws Exception {
        String id = api.create("{}");
        List<Event> events = api.stream(id, "{\"content\":\"" + ClientTools.QUESTION + "\",\"tools\":"
                + ClientTools.TOOLS + ",\"tool_choice\":\"required\"}");
        JsonNode end = events.get(events.size() - 1).json();
        assertEquals("tool_calls", end.get("finish_reason").asText());
        JsonNode sent = Json.parse(fake.takeRequest().body());
        assertEquals(2, sent.get("tools").size());
        assertEquals("get_time", sent.get("tools").get(1).get("function").get("name").asText());
        assertJson("\"required\"", sent.get("tool_choice"));

        String replyId = events.get(0).json().get("message_id").asText();
        JsonNode reply = Api.message(api.awaitStatus(id, replyId, "done"), replyId);
        assertJson("""
                [{"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function",
                  "function":{"name":"get_weather","arguments":"{\\"city\\": \\"上海 🌧\\"}"}},
                 {"id":"call_Xk2","type":"function",
                  "function":{"name":"get_time","arguments":"{\\"tz\\":\\"Asia/Shanghai\\"}"}}]
                """, reply.get("tool_calls"));

        // no tool message answers those calls in a conversation: the next turn leaves them out, as the APIs want
        api.stream(id, "{\"content\":\"Never mind\"}");
        JsonNode next = Json.parse(fake.takeRequest().body());
        assertJson("""
                [{"role":"user","content":"上海天气和时间？"},{"role":"assistant","content":""},
                 {"role":"user","content":"Never mind"}]
                """, next.get("messages"));
        assertNull(next.get("tools"), "tools are the send's, not the conversation's");
    }

    @Test
    void aWrongToolInASendIsA400NamingWhere() throws Exception {
        String id = api.create("{}");
        var r = api.send("POST", "/api/conversations/" + id + "/messages",
                "{\"content\":\"hi\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"no spaces\"}}]}");
        assertEquals(400, r.statusCode());
        assertEquals("tools[0].function.name must be 1 to 64 letters, digits, '_' or '-'.",
                Api.json(r).get("error").get("message").asText());
    }
}
