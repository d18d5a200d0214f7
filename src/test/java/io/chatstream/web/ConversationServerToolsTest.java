package io.chatstream.web;

import com.fasterxml.jackson.databind.JsonNode;
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

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A reply in which a server tool ran keeps the tool's result with its call, so a reload shows it done. */
@Timeout(60)
class ConversationServerToolsTest {

    private static TestServer server;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("chat-store");
        server = TestServer.start(Map.of("chat.tools", "calculator", "chat.demo.tokens-per-second", "1000",
                "chat.store.url", "embedded", "chat.store.dir", dir.toString()));
        api = new Api(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void theStoredReplyKeepsEachServerCallWithItsResult() throws Exception {
        String id = api.create("{}");
        List<Event> events = api.stream(id, "{\"content\":\"what is 2^10+1?\"}");
        assertEquals("stop", events.get(events.size() - 1).json().get("finish_reason").asText());
        String replyId = events.get(0).json().get("message_id").asText();
        JsonNode reply = Api.message(api.awaitStatus(id, replyId, "done"), replyId);
        JsonNode call = reply.get("tool_calls").get(0);
        assertEquals("calculator", call.get("function").get("name").asText());
        assertEquals("1025", call.get("result").asText());
    }
}
