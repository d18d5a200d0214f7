package io.chatstream.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.demo.DemoBackend;
import io.chatstream.testing.SseParser;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.chatstream.testing.SseRecorder.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC sections 3 and 4 over real HTTP against the dev server on a free port. */
class StreamingApiTest {

    private static final Duration T = Duration.ofSeconds(10);
    private static TestServer server;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of(
                "chat.demo.tokens-per-second", "200",
                "chat.stream.detach-grace-seconds", "30",
                "chat.limits.max-streams-per-client", "1000"));
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static HttpRequest.Builder post(String body) {
        return HttpRequest.newBuilder(server.uri("/api/chat"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    static HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(server.uri(path)).GET();
    }

    static String prompt(String text) {
        return "/api/chat?prompt=" + URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    @Test
    void postStreamsTheWholeReplyInOrder() throws Exception {
        String prompt = "Hello\n<b>there</b> \uD83D\uDE00 \"quotes\"";
        try (SseRecorder r = SseRecorder.open(http, post("{\"messages\":[{\"role\":\"user\",\"content\":"
                + SseRecorder.JSON.writeValueAsString(prompt) + "}]}").build())) {
            assertEquals(200, r.status());
            assertEquals("text/event-stream;charset=UTF-8", r.header("Content-Type").replace(" ", ""));
            assertEquals("no-cache, no-transform", r.header("Cache-Control"));
            assertEquals("no", r.header("X-Accel-Buffering"));
            assertNull(r.header("Connection"));
            assertNull(r.header("Content-Encoding"));
            String streamId = r.header("X-Stream-Id");
            assertNotNull(streamId);

            SseParser.Frame first = r.next(T);
            assertEquals(3000L, first.retry(), "the first frame carries retry:");
            List<Event> events = r.readToEnd(T);
            SseRecorder.assertSequential(events, 1);
            assertEquals("start", events.get(0).type());
            assertEquals(streamId, events.get(0).json().get("stream_id").asText());
            assertEquals("demo", events.get(0).json().get("model").asText());
            assertEquals(streamId, events.get(0).streamId());
            ChatRequest request = ChatRequest.of(prompt);
            assertEquals(DemoBackend.reasoningText(request), text(events, "reasoning"));
            assertEquals(DemoBackend.answerText(request), text(events, "chunk"));
            Event end = events.get(events.size() - 1);
            assertEquals("end", end.type());
            assertEquals("stop", end.json().get("finish_reason").asText());
            assertTrue(end.json().get("usage").get("completion_tokens").asLong() > 10);
            int lastReasoning = -1;
            int firstChunk = Integer.MAX_VALUE;
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i).type().equals("reasoning")) {
                    lastReasoning = i;
                } else if (events.get(i).type().equals("chunk")) {
                    firstChunk = Math.min(firstChunk, i);
                }
            }
            assertTrue(lastReasoning < firstChunk, "reasoning first, then the answer");
        }
    }

    @Test
    void shorthandMessageAndGetWithPromptGiveTheSameReply() throws Exception {
        List<Event> viaPost;
        try (SseRecorder r = SseRecorder.open(http, post("{\"message\":\"same\"}").build())) {
            viaPost = r.readToEnd(T);
        }
        List<Event> viaGet;
        try (SseRecorder r = SseRecorder.open(http, get(prompt("same")).build())) {
            assertEquals(200, r.status());
            viaGet = r.readToEnd(T);
        }
        assertEquals(text(viaPost, "chunk"), text(viaGet, "chunk"));
        assertEquals(DemoBackend.answerText(ChatRequest.of("same")), text(viaGet, "chunk"));
    }

    @Test
    void droppedConnectionResumesWithNoEventLostOrRepeated() throws Exception {
        List<Event> got = new ArrayList<>();
        String streamId;
        try (SseRecorder r = SseRecorder.open(http, post("{\"message\":\"resume me\"}").build())) {
            streamId = r.header("X-Stream-Id");
            for (int i = 0; i < 12; i++) {
                got.add(r.nextEvent(T));
            }
        } // connection dropped mid-reply
        long last = got.get(got.size() - 1).seq();
        try (SseRecorder r = SseRecorder.open(http, get("/api/chat/streams/" + streamId)
                .header("Last-Event-ID", streamId + ":" + last).build())) {
            assertEquals(200, r.status());
            assertEquals(3000L, r.next(T).retry(), "a resumed response starts with retry: too");
            got.addAll(r.readToEnd(T));
        }
        SseRecorder.assertSequential(got, 1);
        assertEquals(DemoBackend.answerText(ChatRequest.of("resume me")), text(got, "chunk"));
    }

    @Test
    void eventSourceReconnectToTheOriginalUrlResumesAndNeverStartsAnotherGeneration() throws Exception {
        String url = prompt("eventsource");
        List<Event> got = new ArrayList<>();
        String streamId;
        try (SseRecorder r = SseRecorder.open(http, get(url).build())) {
            streamId = r.header("X-Stream-Id");
            for (int i = 0; i < 5; i++) {
                got.add(r.nextEvent(T));
            }
        }
        try (SseRecorder r = SseRecorder.open(http, get(url).header("Last-Event-ID", streamId + ":5").build())) {
            assertEquals(streamId, r.header("X-Stream-Id"), "the same stream, not a new generation");
            got.addAll(r.readToEnd(T));
        }
        SseRecorder.assertSequential(got, 1);
        long all = got.size();
        // everything delivered: EventSource's next reconnect gets 204 and stops
        HttpResponse<String> done = http.send(get(url).header("Last-Event-ID", streamId + ":" + all).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, done.statusCode());
        // the lastEventId query parameter works the same
        HttpResponse<String> viaParam = http.send(get(url + "&lastEventId=" + streamId + "%3A" + all).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, viaParam.statusCode());
    }

    @Test
    void attachFromTheStartReplaysEverything() throws Exception {
        String streamId;
        List<Event> original;
        try (SseRecorder r = SseRecorder.open(http, post("{\"message\":\"replay\"}").build())) {
            streamId = r.header("X-Stream-Id");
            original = r.readToEnd(T);
        }
        try (SseRecorder r = SseRecorder.open(http, get("/api/chat/streams/" + streamId).build())) {
            List<Event> replay = r.readToEnd(T);
            assertEquals(original, replay);
        }
    }

    @Test
    void unknownExpiredOrMalformedIdsAre404AndBadLastEventIdIs400() throws Exception {
        for (String path : List.of("/api/chat/streams/AAAAAAAAAAAAAAAAAAAAAA", "/api/chat/streams/nope")) {
            HttpResponse<String> resp = http.send(get(path).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, resp.statusCode(), path);
            assertEquals("not_found", SseRecorder.JSON.readTree(resp.body()).get("error").get("code").asText());
            assertTrue(resp.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        }
        HttpResponse<String> unknownResume = http.send(get(prompt("x"))
                .header("Last-Event-ID", "AAAAAAAAAAAAAAAAAAAAAA:3").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, unknownResume.statusCode(), "an unknown id on the prompt URL never starts a generation");
        for (String bad : List.of("garbage", "AAAAAAAAAAAAAAAAAAAAAA:", "AAAAAAAAAAAAAAAAAAAAAA:-1",
                "AAAAAAAAAAAAAAAAAAAAAA:1x", ":5")) {
            HttpResponse<String> resp = http.send(get("/api/chat/streams/AAAAAAAAAAAAAAAAAAAAAA")
                    .header("Last-Event-ID", bad).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, resp.statusCode(), bad);
            assertEquals("invalid_request",
                    SseRecorder.JSON.readTree(resp.body()).get("error").get("code").asText());
        }
    }

    @Test
    void lastEventIdBeyondTheLastEventIs400() throws Exception {
        String streamId;
        try (SseRecorder r = SseRecorder.open(http, post("{\"message\":\"x\"}").build())) {
            streamId = r.header("X-Stream-Id");
            r.readToEnd(T);
        }
        HttpResponse<String> resp = http.send(get("/api/chat/streams/" + streamId)
                .header("Last-Event-ID", streamId + ":999999").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, resp.statusCode());
    }

    @Test
    void deleteStopsTheGenerationAndTheStreamEndsCancelled() throws Exception {
        try (SseRecorder r = SseRecorder.open(http, get(prompt("stop me")).build())) {
            String id = r.header("X-Stream-Id");
            r.nextEvent(T);
            r.nextEvent(T);
            HttpResponse<String> del = http.send(HttpRequest.newBuilder(server.uri("/api/chat/streams/" + id))
                    .DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, del.statusCode());
            List<Event> rest = r.readToEnd(T);
            Event end = rest.get(rest.size() - 1);
            assertEquals("end", end.type());
            assertEquals("cancelled", end.json().get("finish_reason").asText());
            assertTrue(text(rest, "chunk").length() < DemoBackend.answerText(ChatRequest.of("stop me")).length());
        }
        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(
                server.uri("/api/chat/streams/AAAAAAAAAAAAAAAAAAAAAA")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, unknown.statusCode());
    }

    @Test
    void idempotencyKeyAttachesToTheSameStreamInsteadOfStartingAnother() throws Exception {
        HttpRequest req = post("{\"message\":\"pay once\"}").header("Idempotency-Key", "k-123").build();
        List<Event> first;
        String id;
        try (SseRecorder r = SseRecorder.open(http, req)) {
            id = r.header("X-Stream-Id");
            first = List.of(r.nextEvent(T), r.nextEvent(T), r.nextEvent(T));
        }
        try (SseRecorder r = SseRecorder.open(http, req)) {
            assertEquals(id, r.header("X-Stream-Id"));
            List<Event> again = r.readToEnd(T);
            assertEquals(first, again.subList(0, 3), "replayed from the start");
            SseRecorder.assertSequential(again, 1);
        }
        try (SseRecorder r = SseRecorder.open(http, post("{\"message\":\"pay once\"}")
                .header("Idempotency-Key", "k-123").header("Last-Event-ID", id + ":3").build())) {
            assertEquals(id, r.header("X-Stream-Id"));
            assertEquals(4, r.nextEvent(T).seq(), "with Last-Event-ID it continues after that event");
        }
        try (SseRecorder r = SseRecorder.open(http, post("{\"message\":\"pay once\"}")
                .header("Idempotency-Key", "k-other").build())) {
            assertFalse(id.equals(r.header("X-Stream-Id")), "another key is another stream");
        }
    }

    @Test
    void theSameIdempotencyKeyWithAnotherBodyIs422AndStartsNothing() throws Exception {
        String id;
        try (SseRecorder r = SseRecorder.open(http, post("{\"message\":\"pay once\",\"temperature\":0.5}")
                .header("Idempotency-Key", "k-422").build())) {
            id = r.header("X-Stream-Id");
            r.nextEvent(T);
        }
        int running = server.app().registry().running();
        for (String other : List.of("{\"message\":\"pay twice\",\"temperature\":0.5}",
                "{\"message\":\"pay once\",\"temperature\":0.6}", "{\"message\":\"pay once\"}",
                "{\"message\":\"pay once\",\"temperature\":0.5,\"model\":\"demo\"}",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"pay once\"}],\"temperature\":0.5}")) {
            HttpResponse<String> resp = http.send(post(other).header("Idempotency-Key", "k-422").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(422, resp.statusCode(), other + " -> " + resp.body());
            JsonNode error = SseRecorder.JSON.readTree(resp.body()).get("error");
            assertEquals("idempotency_key_reused", error.get("code").asText());
            assertTrue(error.get("message").asText().contains("Idempotency-Key"), resp.body());
        }
        assertEquals(running, server.app().registry().running(), "no generation started");
        // the same JSON value, written otherwise, is the same body: whitespace, member order, escapes, 0.50
        for (String same : List.of(" { \"temperature\" : 0.50 ,\n \"message\" : \"pay \\u006fnce\" } ",
                "{\"temperature\":5e-1,\"message\":\"pay once\"}")) {
            try (SseRecorder r = SseRecorder.open(http, post(same).header("Idempotency-Key", "k-422").build())) {
                assertEquals(200, r.status(), same);
                assertEquals(id, r.header("X-Stream-Id"), same);
            }
        }
    }

    @Test
    void ndjsonCarriesTheSameEventsOneObjectPerLine() throws Exception {
        HttpRequest req = post("{\"message\":\"nd\"}").header("Accept", "application/x-ndjson").build();
        HttpResponse<java.io.InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, resp.statusCode());
        assertEquals("application/x-ndjson", resp.headers().firstValue("Content-Type").orElseThrow()
                .split(";")[0]);
        assertNotNull(resp.headers().firstValue("X-Stream-Id").orElse(null));
        List<JsonNode> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(SseRecorder.JSON.readTree(line));
            }
        }
        assertEquals("start", lines.get(0).get("type").asText());
        assertEquals("end", lines.get(lines.size() - 1).get("type").asText());
        StringBuilder answer = new StringBuilder();
        lines.stream().filter(l -> l.get("type").asText().equals("chunk"))
                .forEach(l -> answer.append(l.get("content").asText()));
        assertEquals(DemoBackend.answerText(ChatRequest.of("nd")), answer.toString());
    }

    @Test
    void healthIsOpenAndNamesTheBackend() throws Exception {
        HttpResponse<String> resp = http.send(get("/api/health").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, resp.statusCode());
        assertEquals("{\"status\":\"ok\",\"backend\":\"demo\"}", resp.body());
    }

    @Test
    void theFirstFrameIsFlushedBeforeTheFirstToken() throws Exception {
        try (TestServer slow = TestServer.start(Map.of("chat.demo.tokens-per-second", "0.2"))) {
            long t0 = System.nanoTime();
            try (SseRecorder r = SseRecorder.open(http, HttpRequest.newBuilder(slow.uri(prompt("slow"))).build())) {
                assertEquals(3000L, r.next(T).retry());
                Event start = r.nextEvent(Duration.ofSeconds(5));
                assertEquals("start", start.type());
                // the first token is due 5 s after the stream began, which was after t0: start came before it existed
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 5_000, "start arrived " + ms + " ms after the request, not before the first token");
            }
        }
    }
}
