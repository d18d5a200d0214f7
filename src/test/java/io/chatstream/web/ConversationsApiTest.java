package io.chatstream.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import static io.chatstream.testing.SseRecorder.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC section 9 over real HTTP against the dev server on a free port, with the embedded database in a temp
 * directory. The echo-test backend streams the system prompt as reasoning and every user message of the history
 * as chunks, so a reply shows exactly which branch the model saw.
 */
class ConversationsApiTest {

    static final Duration T = Duration.ofSeconds(20);
    private static Path dir;
    private static TestServer server;
    private static Api alice;
    private static Api bob;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("chat-store");
        server = TestServer.start(Map.of("chat.backend", "echo-test", "chat.store.url", "embedded",
                "chat.store.dir", dir.toString(), "chat.limits.max-streams-per-client", "1000",
                "chat.limits.max-body-bytes", "4096"));
        alice = new Api(server);
        bob = new Api(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void theFirstRequestSetsAnHttpOnlyLaxOwnerCookieOnTheContextPath() throws Exception {
        Api carol = new Api(server);
        HttpResponse<String> r = carol.send("GET", "/api/conversations", null);
        assertEquals(200, r.statusCode());
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(cookie.matches("chat_owner=[A-Za-z0-9_-]{22};.*"), cookie);
        assertTrue(cookie.contains("HttpOnly"), cookie);
        assertTrue(cookie.contains("SameSite=Lax"), cookie);
        assertTrue(cookie.contains("Path=/"), cookie);
        assertTrue(carol.send("GET", "/api/conversations", null).headers().firstValue("Set-Cookie").isEmpty(),
                "a known owner keeps the cookie it has");
    }

    @Test
    void createReadRenamePinAndDeleteForGood() throws Exception {
        HttpResponse<String> created = alice.send("POST", "/api/conversations", "{\"title\":\"Plans\","
                + "\"system\":\"Be brief.\"}");
        assertEquals(201, created.statusCode());
        JsonNode c = Api.json(created);
        String id = c.get("id").asText();
        assertEquals("Plans", c.get("title").asText());
        assertEquals("Be brief.", c.get("system").asText());
        assertFalse(c.get("pinned").asBoolean());
        assertTrue(c.get("messages").isEmpty());
        assertTrue(c.get("created_at").asText().endsWith("Z"));

        JsonNode patched = alice.json("PATCH", "/api/conversations/" + id, "{\"title\":\"Trips\",\"pinned\":true}");
        assertEquals("Trips", patched.get("title").asText());
        assertTrue(patched.get("pinned").asBoolean());
        assertEquals("Trips", alice.json("GET", "/api/conversations/" + id, null).get("title").asText());

        assertEquals(204, alice.send("DELETE", "/api/conversations/" + id, null).statusCode());
        assertEquals(404, alice.send("GET", "/api/conversations/" + id, null).statusCode());
        assertEquals(404, alice.send("DELETE", "/api/conversations/" + id, null).statusCode());
        assertFalse(alice.json("GET", "/api/conversations?limit=100", null).get("conversations").toString()
                .contains(id));
    }

    @Test
    void aMessageIsAnsweredWithTheReplysStreamAndBothAreKept() throws Exception {
        String id = alice.create("{\"system\":\"sys\"}");
        List<Event> events = alice.stream(id, "{\"content\":\"Hello there\"}");
        JsonNode start = events.get(0).json();
        assertEquals("start", start.get("type").asText());
        assertEquals(id, start.get("conversation_id").asText());
        String replyId = start.get("message_id").asText();
        String userId = start.get("user_message_id").asText();
        assertEquals("Hello there", text(events, "chunk"));
        assertEquals("sys", text(events, "reasoning"));

        JsonNode conv = alice.awaitStatus(id, replyId, "done");
        assertEquals("Hello there", conv.get("title").asText(), "titled from its first message");
        assertEquals(replyId, conv.get("current_leaf").asText());
        JsonNode user = Api.message(conv, userId);
        assertEquals("user", user.get("role").asText());
        assertTrue(user.get("parent_id").isNull());
        assertEquals("Hello there", user.get("content").asText());
        JsonNode reply = Api.message(conv, replyId);
        assertEquals("assistant", reply.get("role").asText());
        assertEquals(userId, reply.get("parent_id").asText());
        assertEquals("Hello there", reply.get("content").asText());
        assertEquals("sys", reply.get("reasoning").asText());
        assertEquals(events.get(0).streamId(), reply.get("stream_id").asText());
        assertNotNull(reply.get("model"));

        // the next message goes under the current leaf: the model sees the whole branch, system first
        List<Event> second = alice.stream(id, "{\"content\":\" and again\"}");
        assertEquals("Hello there and again", text(second, "chunk"));
        assertEquals(replyId, Api.message(alice.awaitStatus(id, second.get(0).json().get("message_id").asText(),
                "done"), second.get(0).json().get("user_message_id").asText()).get("parent_id").asText());
    }

    @Test
    void anEditBranchesARegenerateAddsASiblingAndTheCurrentLeafMoves() throws Exception {
        String id = alice.create("{}");
        JsonNode s1 = alice.stream(id, "{\"content\":\"one\"}").get(0).json();
        String a1 = s1.get("message_id").asText();
        JsonNode s2 = alice.stream(id, "{\"content\":\"two\"}").get(0).json();
        String u2 = s2.get("user_message_id").asText();
        String a2 = s2.get("message_id").asText();

        // an edit of "two": a new user message beside it, under a1
        List<Event> edit = alice.stream(id, "{\"content\":\"TWO\",\"parent_id\":\"" + a1 + "\"}");
        assertEquals("oneTWO", text(edit, "chunk"), "the model sees the new branch, not the old one");
        String u2b = edit.get(0).json().get("user_message_id").asText();
        // an edit of the first message: beside it, at the root
        List<Event> rootEdit = alice.stream(id, "{\"content\":\"uno\",\"parent_id\":null}");
        assertEquals("uno", text(rootEdit, "chunk"));

        List<Event> regen = alice.streamPath("/api/conversations/" + id + "/messages/" + a2 + "/regenerate", "");
        assertEquals("onetwo", text(regen, "chunk"), "a regenerate sees the path to its parent");
        String a2b = regen.get(0).json().get("message_id").asText();
        assertEquals(u2, regen.get(0).json().get("user_message_id").asText());

        JsonNode conv = alice.awaitStatus(id, a2b, "done");
        assertEquals(u2, Api.message(conv, a2b).get("parent_id").asText(), "a sibling of the regenerated reply");
        assertEquals(a1, Api.message(conv, u2b).get("parent_id").asText());
        assertEquals(a2b, conv.get("current_leaf").asText());
        assertEquals(9, conv.get("messages").size(), "u1 a1 u2 a2, u2' and its reply, uno and its reply, a2'");

        JsonNode moved = alice.json("PATCH", "/api/conversations/" + id, "{\"current_leaf\":\"" + a2 + "\"}");
        assertEquals(a2, moved.get("current_leaf").asText());
        assertEquals("onetwo three", text(alice.stream(id, "{\"content\":\" three\"}"), "chunk"),
                "a message without parent_id goes under the current leaf");
    }

    @Test
    void theListIsMostRecentFirstInCursorPagesAndSearchesTitlesAndText() throws Exception {
        Api dave = new Api(server);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(dave.create("{\"title\":\"chat " + i + "\"}"));
        }
        String withText = dave.create("{}");
        dave.stream(withText, "{\"content\":\"Where is the aardvark?\"}");
        ids.add(withText);
        // sending a message makes a conversation the most recently active
        dave.stream(ids.get(1), "{\"content\":\"bump\"}");

        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = dave.json("GET", "/api/conversations?limit=2" + (cursor == null ? "" : "&cursor="
                    + cursor), null);
            assertTrue(page.get("conversations").size() <= 2);
            page.get("conversations").forEach(c -> seen.add(c.get("id").asText()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        } while (cursor != null);
        assertEquals(List.of(ids.get(1), withText, ids.get(4), ids.get(3), ids.get(2), ids.get(0)), seen);

        JsonNode found = dave.json("GET", "/api/conversations?q=AARDVARK", null).get("conversations");
        assertEquals(1, found.size());
        assertEquals(withText, found.get(0).get("id").asText());
        assertEquals("Where is the aardvark?", found.get(0).get("title").asText());
        assertEquals(1, dave.json("GET", "/api/conversations?q=chat%203", null).get("conversations").size());
        assertEquals(400, dave.send("GET", "/api/conversations?cursor=nonsense!", null).statusCode());
        assertEquals(400, dave.send("GET", "/api/conversations?limit=0", null).statusCode());
    }

    @Test
    void anotherOwnersConversationIsNotFoundWhateverIsAsked() throws Exception {
        String id = alice.create("{\"title\":\"secret\"}");
        String mid = alice.stream(id, "{\"content\":\"private\"}").get(0).json().get("message_id").asText();
        String base = "/api/conversations/" + id;
        assertEquals(404, bob.send("GET", base, null).statusCode());
        assertEquals(404, bob.send("PATCH", base, "{\"title\":\"mine\"}").statusCode());
        assertEquals(404, bob.send("POST", base + "/messages", "{\"content\":\"hi\"}").statusCode());
        assertEquals(404, bob.send("POST", base + "/messages/" + mid + "/regenerate", "").statusCode());
        assertEquals(404, bob.send("DELETE", base, null).statusCode());
        assertFalse(bob.json("GET", "/api/conversations?q=private", null).get("conversations").toString()
                .contains(id));
        assertEquals("secret", alice.json("GET", base, null).get("title").asText(), "untouched");
    }

    @Test
    void badInputIsRefusedWithAClearMessage() throws Exception {
        String id = alice.create("{}");
        String other = alice.create("{}");
        JsonNode s = alice.stream(id, "{\"content\":\"hi\"}").get(0).json();
        String userId = s.get("user_message_id").asText();
        String otherMsg = alice.stream(other, "{\"content\":\"elsewhere\"}").get(0).json().get("message_id")
                .asText();
        String base = "/api/conversations/" + id;

        assertError(404, "not_found", alice.send("GET", "/api/conversations/no-such-id", null));
        assertError(404, "not_found", alice.send("POST", "/api/conversations/no-such-id/messages",
                "{\"content\":\"hi\"}"));
        assertError(404, "not_found", alice.send("POST", base + "/messages/no-such/regenerate", ""));
        assertError(400, "invalid_request", alice.send("POST", base + "/messages/" + userId + "/regenerate", ""));
        assertError(400, "invalid_request", alice.send("POST", base + "/messages",
                "{\"content\":\"x\",\"parent_id\":\"" + otherMsg + "\"}"));
        assertError(400, "invalid_request", alice.send("POST", base + "/messages", "{\"content\":\"\"}"));
        assertError(400, "invalid_request", alice.send("POST", base + "/messages", "{\"content\":\"  \"}"));
        assertError(400, "invalid_request", alice.send("POST", base + "/messages", "{\"content\":42}"));
        assertError(400, "invalid_request", alice.send("POST", base + "/messages",
                "{\"content\":\"x\",\"temperature\":\"hot\"}"));
        assertError(400, "invalid_request", alice.send("POST", base + "/messages",
                "{\"content\":\"x\",\"tools\":{}}"));
        assertError(413, "payload_too_large", alice.send("POST", base + "/messages",
                "{\"content\":\"" + "x".repeat(5000) + "\"}"));
        assertError(400, "invalid_request", alice.send("PATCH", base, "{\"pinned\":\"yes\"}"));
        assertError(400, "invalid_request", alice.send("PATCH", base, "{\"current_leaf\":\"" + otherMsg + "\"}"));
        assertError(400, "invalid_request", alice.send("POST", "/api/conversations", "{\"title\":7}"));
        assertError(400, "invalid_request", alice.send("POST", "/api/conversations", "[1]"));
        assertEquals(405, alice.send("PUT", base, "{}").statusCode());
        assertEquals(404, alice.send("GET", base + "/nothing", null).statusCode());
        assertEquals(2, alice.json("GET", base, null).get("messages").size(), "nothing was added by them");
    }

    @Test
    void anIdempotencyKeyRepeatAttachesToTheSameReplyAndAddsNothing() throws Exception {
        String id = alice.create("{}");
        HttpRequest first = alice.request("POST", "/api/conversations/" + id + "/messages", "{\"content\":\"once\"}")
                .header("Idempotency-Key", "k-" + id).build();
        List<Event> a;
        try (SseRecorder r = SseRecorder.open(alice.http, first)) {
            a = r.readToEnd(T);
        }
        List<Event> b;
        try (SseRecorder r = SseRecorder.open(alice.http, first)) {
            assertEquals(200, r.status());
            b = r.readToEnd(T);
        }
        assertEquals(a.get(0).streamId(), b.get(0).streamId());
        assertEquals(a.get(0).json().get("message_id"), b.get(0).json().get("message_id"));
        alice.awaitStatus(id, a.get(0).json().get("message_id").asText(), "done");
        assertEquals(2, alice.json("GET", "/api/conversations/" + id, null).get("messages").size());
    }

    @Test
    void anIdempotencyKeyRepeatedWithAnotherBodyOrForAnotherConversationIs422AndStartsNothing() throws Exception {
        String id = alice.create("{}");
        String other = alice.create("{}");
        String key = "k2-" + id;
        String path = "/api/conversations/" + id + "/messages";
        List<Event> first;
        try (SseRecorder r = SseRecorder.open(alice.http, alice.request("POST", path, "{\"content\":\"once\"}")
                .header("Idempotency-Key", key).build())) {
            assertEquals(200, r.status());
            first = r.readToEnd(T);
        }
        alice.awaitStatus(id, first.get(0).json().get("message_id").asText(), "done");
        int streams = server.app().registry().size();

        try (SseRecorder r = SseRecorder.open(alice.http, alice.request("POST", path,
                "{ \"content\" : \"once\" }").header("Idempotency-Key", key).build())) {
            assertEquals(200, r.status(), "the same JSON value, spaced otherwise, is the same request");
            assertEquals(first.get(0).streamId(), r.readToEnd(T).get(0).streamId());
        }
        assertError(422, "idempotency_key_reused", alice.send(alice.request("POST", path,
                "{\"content\":\"twice\"}").header("Idempotency-Key", key)));
        assertError(422, "idempotency_key_reused", alice.send(alice.request("POST", path,
                "{\"content\":\"once\",\"temperature\":0.5}").header("Idempotency-Key", key)));
        assertError(422, "idempotency_key_reused", alice.send(alice.request("POST",
                "/api/conversations/" + other + "/messages", "{\"content\":\"once\"}")
                .header("Idempotency-Key", key)));
        assertError(422, "idempotency_key_reused", alice.send(alice.request("POST", "/api/chat",
                "{\"message\":\"once\"}").header("Idempotency-Key", key)));

        assertEquals(streams, server.app().registry().size(), "no refused repeat started a generation");
        assertEquals(2, alice.json("GET", "/api/conversations/" + id, null).get("messages").size());
        assertEquals(0, alice.json("GET", "/api/conversations/" + other, null).get("messages").size());
    }

    @Test
    void theMetricsCountTheStatementsSentToTheStore() throws Exception {
        long before = statements();
        String id = alice.create("{}");
        List<Event> events = alice.stream(id, "{\"content\":\"count me\"}");
        alice.awaitStatus(id, events.get(0).json().get("message_id").asText(), "done");
        // create, read the tree, add the user message and the reply, save the end, read the tree back
        assertTrue(statements() - before >= 6, "statements counted: " + (statements() - before));
    }

    private static long statements() throws Exception {
        HttpResponse<String> r = alice.send("GET", "/api/metrics", null);
        assertEquals(200, r.statusCode());
        return r.body().lines().filter(l -> l.startsWith("chat_store_statements_total "))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("no chat_store_statements_total in " + r.body()));
    }

    static void assertError(int status, String code, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode error = SseRecorder.JSON.readTree(r.body()).get("error");
        assertEquals(code, error.get("code").asText(), r.body());
        assertFalse(error.get("message").asText().isBlank());
        assertFalse(r.body().contains("Exception"), r.body());
    }

    /** One browser: its own cookie jar. */
    static final class Api {
        final HttpClient http;
        private final URI base;
        private final String token;
        private final CookieManager cookies;

        Api(TestServer server) {
            this(server, null);
        }

        Api(TestServer server, String token) {
            this(server.uri("/"), token, new CookieManager());
        }

        Api(URI base, String token, CookieManager cookies) {
            this.base = base;
            this.token = token;
            this.cookies = cookies;
            this.http = HttpClient.newBuilder().cookieHandler(cookies).build();
        }

        /** The same browser (cookie, token) talking to another server. */
        Api on(URI otherBase) {
            return new Api(otherBase, token, cookies);
        }

        Api on(TestServer other) {
            return on(other.uri("/"));
        }

        HttpRequest.Builder request(String method, String path, String body) {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(T);
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            if (body == null || body.isEmpty()) {
                return b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            return b.header("Content-Type", "application/json").method(method,
                    HttpRequest.BodyPublishers.ofString(body));
        }

        HttpResponse<String> send(String method, String path, String body) throws Exception {
            return http.send(request(method, path, body).build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        JsonNode json(String method, String path, String body) throws Exception {
            HttpResponse<String> r = send(method, path, body);
            assertEquals(200, r.statusCode(), r.body());
            return json(r);
        }

        static JsonNode json(HttpResponse<String> r) throws Exception {
            return SseRecorder.JSON.readTree(r.body());
        }

        String create(String body) throws Exception {
            HttpResponse<String> r = send("POST", "/api/conversations", body);
            assertEquals(201, r.statusCode(), r.body());
            return json(r).get("id").asText();
        }

        /** Sends a message and reads its reply's stream to the end. */
        List<Event> stream(String conversation, String body) throws Exception {
            return streamPath("/api/conversations/" + conversation + "/messages", body);
        }

        List<Event> streamPath(String path, String body) throws Exception {
            try (SseRecorder r = SseRecorder.open(http, request("POST", path, body).build())) {
                assertEquals(200, r.status());
                assertEquals("text/event-stream;charset=UTF-8", r.header("Content-Type").replace(" ", ""));
                assertNotNull(r.header("X-Stream-Id"));
                return r.readToEnd(T);
            }
        }

        /** Waits until message {@code mid} has {@code status}; returns the conversation then. */
        JsonNode awaitStatus(String conversation, String mid, String status) throws Exception {
            long deadline = System.nanoTime() + T.toNanos();
            while (true) {
                JsonNode conv = json("GET", "/api/conversations/" + conversation, null);
                JsonNode m = message(conv, mid);
                if (m != null && m.get("status").asText().equals(status)) {
                    return conv;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("message " + mid + " never became " + status + ": " + conv);
                }
                // the saved state is only visible through the API: poll it, a little apart
                LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            }
        }

        static JsonNode message(JsonNode conv, String id) {
            for (JsonNode m : conv.get("messages")) {
                if (m.get("id").asText().equals(id)) {
                    return m;
                }
            }
            return null;
        }
    }

    @Test
    void differentOwnersNeverSeeEachOthersListsAndIdsDiffer() throws Exception {
        Api one = new Api(server);
        Api two = new Api(server);
        String a = one.create("{\"title\":\"one's\"}");
        two.create("{\"title\":\"two's\"}");
        JsonNode listOne = one.json("GET", "/api/conversations", null).get("conversations");
        JsonNode listTwo = two.json("GET", "/api/conversations", null).get("conversations");
        assertEquals(1, listOne.size());
        assertEquals(1, listTwo.size());
        assertEquals(a, listOne.get(0).get("id").asText());
        assertNotEquals(listOne.get(0).get("id"), listTwo.get(0).get("id"));
    }
}
