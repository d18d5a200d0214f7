package io.chatstream.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.store.PostgresCluster;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;
import io.chatstream.testing.TestServer;
import io.chatstream.web.ConversationsApiTest.Api;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static io.chatstream.testing.SseRecorder.text;
import static io.chatstream.web.ConversationsApiTest.T;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Conversations in a real PostgreSQL, through the pool {@code chat.store.url} makes; and what happens while the
 * database is away: requests get 503 with {@code Retry-After}, a reply already running goes on to its end, and its
 * save is retried until the database is back.
 */
class ConversationsOnPostgresTest {

    @Test
    void theDatabaseAwayIsA503WhileRunningRepliesGoOnAndAreSavedWhenItIsBack() throws Exception {
        try (PostgresCluster pg = PostgresCluster.start()) {
            String url = pg.createDatabase("chat");
            try (TestServer server = TestServer.start(Map.of("chat.store.url", url, "chat.store.user", "postgres",
                    "chat.store.password", "never-logged-pw", "chat.store.checkpoint-seconds", "1",
                    "chat.demo.tokens-per-second", "40", "chat.demo.reply-tokens", "120"))) {
                Api api = new Api(server);
                String id = api.create("{\"title\":\"on postgres\"}");
                List<Event> events;
                String mid;
                try (SseRecorder r = SseRecorder.open(api.http, api.request("POST", "/api/conversations/" + id
                        + "/messages", "{\"content\":\"through an outage\"}").build())) {
                    assertEquals(200, r.status());
                    mid = r.nextEvent(T).json().get("message_id").asText();
                    pg.stopServer();
                    try {
                        HttpResponse<String> refused = api.send("GET", "/api/conversations/" + id, null);
                        assertEquals(503, refused.statusCode(), refused.body());
                        assertTrue(refused.headers().firstValue("Retry-After").isPresent());
                        assertEquals("unavailable", Api.json(refused).get("error").get("code").asText());
                        assertTrue(!refused.body().contains("Exception") && !refused.body().contains("jdbc:"),
                                refused.body());
                        events = r.readToEnd(T);
                    } finally {
                        pg.startServer();
                    }
                }
                assertEquals("stop", events.get(events.size() - 1).json().get("finish_reason").asText(),
                        "the reply ran to its end while the database was away");
                JsonNode saved = Api.message(api.awaitStatus(id, mid, "done"), mid);
                assertEquals(text(events, "chunk"), saved.get("content").asText());
            }
        }
    }
}
