package io.chatstream.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.testing.ChildJvm;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;
import io.chatstream.testing.TestServer;
import io.chatstream.web.ConversationsApiTest.Api;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.chatstream.testing.SseRecorder.text;
import static io.chatstream.web.ConversationsApiTest.T;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replies are saved whatever ends them (SPEC section 9): a client that left, a {@code DELETE} of the stream, a
 * restart of the server, a server killed mid-reply; and who may see a conversation under token auth, and that
 * {@code chat.store.url=off} hides the whole API.
 */
@Execution(ExecutionMode.CONCURRENT)
class ConversationLifetimeTest {

    @TempDir
    Path dir;

    /** A slow demo reply of 200 one-token chunks at 40 a second: five seconds, checkpointed every second. */
    private Map<String, String> slow(Path storeDir) {
        Map<String, String> s = new HashMap<>();
        s.put("chat.store.url", "embedded");
        s.put("chat.store.dir", storeDir.toString());
        s.put("chat.store.checkpoint-seconds", "1");
        s.put("chat.demo.tokens-per-second", "40");
        s.put("chat.demo.reply-tokens", "200");
        s.put("chat.stream.detach-grace-seconds", "60");
        return s;
    }

    /** Opens the reply to {@code content}, reads its start and first chunk, then drops the connection. */
    private static JsonNode startThenLeave(Api api, String conversation, String content) throws Exception {
        try (SseRecorder r = SseRecorder.open(api.http, api.request("POST", "/api/conversations/" + conversation
                + "/messages", "{\"content\":\"" + content + "\"}").build())) {
            JsonNode start = r.nextEvent(T).json();
            assertEquals("start", start.get("type").asText());
            Event e;
            do {
                e = r.nextEvent(T);
            } while (!e.type().equals("chunk"));
            return start;
        }
    }

    /** Every event the stream sent, read again from its first. */
    private static List<Event> replayed(Api api, String streamId) throws Exception {
        try (SseRecorder r = SseRecorder.open(api.http, api.request("GET", "/api/chat/streams/" + streamId, null)
                .build())) {
            assertEquals(200, r.status());
            return r.readToEnd(T);
        }
    }

    @Test
    void aReplyWhoseClientWentAwayIsCheckpointedWhileItRunsAndSavedWholeAtItsEnd() throws Exception {
        try (TestServer server = TestServer.start(slow(dir))) {
            Api api = new Api(server);
            String id = api.create("{}");
            JsonNode start = startThenLeave(api, id, "keep going");
            String mid = start.get("message_id").asText();

            JsonNode running = awaitMessage(api, id, mid, m -> m.get("status").asText().equals("streaming")
                    && !m.get("content").asText().isEmpty());
            assertEquals(start.get("stream_id").asText(), running.get("stream_id").asText());

            JsonNode done = ConversationsApiTest.Api.message(api.awaitStatus(id, mid, "done"), mid);
            List<Event> events = replayed(api, start.get("stream_id").asText());
            assertEquals(200, events.stream().filter(e -> e.type().equals("chunk")).count());
            String all = text(events, "chunk");
            assertEquals(all, done.get("content").asText(), "every chunk, though no one read them");
            assertTrue(running.get("content").asText().length() < all.length());
        }
    }

    @Test
    void aDeletedStreamIsSavedAsStoppedWithWhatHadArrived() throws Exception {
        try (TestServer server = TestServer.start(slow(dir))) {
            Api api = new Api(server);
            String id = api.create("{}");
            JsonNode start = startThenLeave(api, id, "stop me");
            String streamId = start.get("stream_id").asText();
            HttpResponse<String> cancel = api.send("DELETE", "/api/chat/streams/" + streamId, null);
            assertEquals(204, cancel.statusCode());

            String mid = start.get("message_id").asText();
            JsonNode stopped = ConversationsApiTest.Api.message(api.awaitStatus(id, mid, "stopped"), mid);
            List<Event> events = replayed(api, streamId);
            assertEquals("cancelled", events.get(events.size() - 1).json().get("finish_reason").asText());
            String partial = text(events, "chunk");
            assertFalse(partial.isEmpty());
            assertEquals(partial, stopped.get("content").asText());
        }
    }

    @Test
    void deletingAConversationCancelsItsRunningReply() throws Exception {
        try (TestServer server = TestServer.start(slow(dir))) {
            Api api = new Api(server);
            String id = api.create("{}");
            JsonNode start = startThenLeave(api, id, "never mind");
            assertEquals(204, api.send("DELETE", "/api/conversations/" + id, null).statusCode());
            List<Event> events = replayed(api, start.get("stream_id").asText());
            assertEquals("cancelled", events.get(events.size() - 1).json().get("finish_reason").asText());
            assertTrue(events.stream().filter(e -> e.type().equals("chunk")).count() < 200);
            assertEquals(404, api.send("GET", "/api/conversations/" + id, null).statusCode());
        }
    }

    @Test
    void conversationsAreThereAfterARestartOnTheSameDirectory() throws Exception {
        Map<String, String> settings = Map.of("chat.backend", "echo-test", "chat.store.url", "embedded",
                "chat.store.dir", dir.toString());
        Api api;
        String id;
        String mid;
        try (TestServer first = TestServer.start(settings)) {
            api = new Api(first);
            id = api.create("{}");
            mid = api.stream(id, "{\"content\":\"remember me\"}").get(0).json().get("message_id").asText();
            api.awaitStatus(id, mid, "done");
        }
        try (TestServer second = TestServer.start(settings)) {
            // the same browser, its cookie made by the first server
            Api same = api.on(second);
            JsonNode kept = same.json("GET", "/api/conversations/" + id, null);
            assertEquals("remember me", kept.get("title").asText());
            JsonNode reply = Api.message(kept, mid);
            assertEquals("done", reply.get("status").asText());
            assertEquals("remember me", reply.get("content").asText());
            assertEquals(id, same.json("GET", "/api/conversations", null).get("conversations").get(0).get("id")
                    .asText());
            assertEquals(404, new Api(second).send("GET", "/api/conversations/" + id, null).statusCode(),
                    "a stranger still sees nothing");
        }
    }

    @Test
    void aReplyLeftStreamingByAKilledServerBecomesAnErrorWithItsLastCheckpointAtTheNextStart() throws Exception {
        Process killed = startDevServerProcess(slow(dir));
        String id;
        String mid;
        String checkpoint;
        Api api;
        try {
            int port = awaitPort(killed);
            api = new Api(URI.create("http://127.0.0.1:" + port + "/"), null, new CookieManager());
            id = api.create("{}");
            mid = startThenLeave(api, id, "crash soon").get("message_id").asText();
            checkpoint = awaitMessage(api, id, mid, m -> !m.get("content").asText().isEmpty()).get("content")
                    .asText();
        } finally {
            killed.destroyForcibly(); // SIGKILL: no stop, no final save
            killed.waitFor(T.toSeconds(), TimeUnit.SECONDS);
        }
        try (TestServer server = TestServer.start(slow(dir))) {
            Api same = api.on(server);
            JsonNode m = ConversationsApiTest.Api.message(same.awaitStatus(id, mid, "error"), mid);
            assertTrue(m.get("content").asText().startsWith(checkpoint), m.toString());
            assertFalse(m.get("content").asText().isEmpty());
        }
    }

    @Test
    void underTokenAuthTheOwnerIsThePrincipalAndNoCookieIsSet() throws Exception {
        try (TestServer server = TestServer.start(Map.of("chat.backend", "echo-test", "chat.store.url", "embedded",
                "chat.store.dir", dir.toString(), "chat.auth.mode", "token", "chat.auth.tokens", "tok-a,tok-b"))) {
            Api a = new Api(server, "tok-a");
            Api b = new Api(server, "tok-b");
            Api aElsewhere = new Api(server, "tok-a"); // another device, no cookie: the same principal
            HttpResponse<String> created = a.send("POST", "/api/conversations", "{\"title\":\"a's\"}");
            assertEquals(201, created.statusCode());
            assertTrue(created.headers().firstValue("Set-Cookie").isEmpty());
            String id = Api.json(created).get("id").asText();

            assertEquals("a's", aElsewhere.json("GET", "/api/conversations/" + id, null).get("title").asText());
            assertEquals(404, b.send("GET", "/api/conversations/" + id, null).statusCode());
            assertEquals(404, b.send("DELETE", "/api/conversations/" + id, null).statusCode());
            assertTrue(b.json("GET", "/api/conversations", null).get("conversations").isEmpty());
            assertEquals(401, new Api(server).send("GET", "/api/conversations", null).statusCode());
        }
    }

    @Test
    void withTheStoreOffEveryConversationPathIsNotFound() throws Exception {
        try (TestServer server = TestServer.start(Map.of("chat.store.url", "off"))) {
            Api api = new Api(server);
            for (String[] r : List.of(new String[] {"GET", "/api/conversations"},
                    new String[] {"POST", "/api/conversations"}, new String[] {"GET", "/api/conversations/x"},
                    new String[] {"PATCH", "/api/conversations/x"}, new String[] {"DELETE", "/api/conversations/x"},
                    new String[] {"POST", "/api/conversations/x/messages"},
                    new String[] {"POST", "/api/conversations/x/messages/y/regenerate"})) {
                HttpResponse<String> resp = api.send(r[0], r[1], r[0].equals("GET") || r[0].equals("DELETE") ? null
                        : "{\"content\":\"hi\"}");
                assertEquals(404, resp.statusCode(), r[0] + " " + r[1]);
            }
            assertEquals(200, api.send("GET", "/api/health", null).statusCode());
        }
    }

    /** Polls the conversation until message {@code mid} satisfies {@code test}; returns the message then. */
    static JsonNode awaitMessage(Api api, String conversation, String mid,
                                 java.util.function.Predicate<JsonNode> test) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        while (true) {
            JsonNode m = Api.message(api.json("GET", "/api/conversations/" + conversation, null), mid);
            if (m != null && test.test(m)) {
                return m;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("message " + mid + " never reached the expected state: " + m);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(java.time.Duration.ofMillis(50).toNanos());
        }
    }

    /** The dev server in a JVM of its own, so it can be killed with SIGKILL. */
    private static Process startDevServerProcess(Map<String, String> settings) throws Exception {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("chat.server.port", "0");
        all.putAll(settings);
        return ChildJvm.startDevServer(List.of(), all);
    }

    private static final Pattern PORT_LINE = Pattern.compile("Chat dev server on http://[^:]+:(\\d+)/");

    private static int awaitPort(Process p) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    Matcher m = PORT_LINE.matcher(line);
                    if (m.find()) {
                        // keep reading, so the server never blocks on a full pipe
                        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "drain");
                        drain.setDaemon(true);
                        drain.start();
                        return Integer.parseInt(m.group(1));
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new AssertionError("the dev server ended without its port line");
        });
        return port.get(60, TimeUnit.SECONDS);
    }
}
