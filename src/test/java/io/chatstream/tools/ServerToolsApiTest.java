package io.chatstream.tools;

import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ToolDefinition;
import io.chatstream.config.ConfigException;
import io.chatstream.event.ToolCall;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Server tools over real HTTP, with the scripted {@code tools-test} backend ({@link ToolsTestBackendProvider}, which
 * records what each round is asked) and the test tools of {@link TestTools}: the loop's events in one stream, the
 * second round's request, parallel calls, failures, timeouts, cancellation, the round limit, resuming.
 */
@Timeout(60)
class ServerToolsApiTest {

    private static final Duration T = Duration.ofSeconds(20);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("chat.backend", "tools-test", "chat.tools", "echo,meet,fail,hang,whoami",
                "chat.tools.max-rounds", "3"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void reset() {
        TestTools.reset();
        ToolsTestBackendProvider.REQUESTS.clear();
    }

    static HttpRequest.Builder prompt(TestServer s, String text) {
        return HttpRequest.newBuilder(s.uri("/api/chat?prompt=" + URLEncoder.encode(text, StandardCharsets.UTF_8)));
    }

    static List<Event> reply(TestServer s, String text) throws Exception {
        try (SseRecorder r = SseRecorder.open(HTTP, prompt(s, text).build())) {
            assertEquals(200, r.status());
            return r.readToEnd(T);
        }
    }

    static List<String> types(List<Event> events) {
        return events.stream().map(Event::type).toList();
    }

    static Event only(List<Event> events, String type) {
        List<Event> found = events.stream().filter(e -> e.type().equals(type)).toList();
        assertEquals(1, found.size(), "one " + type + " in " + types(events));
        return found.get(0);
    }

    static String result(List<Event> events, String callId) {
        return events.stream().filter(e -> e.type().equals("tool_result")
                        && e.json().get("tool_call_id").asText().equals(callId))
                .map(e -> e.json().get("result").asText()).findFirst().orElseThrow(() ->
                        new AssertionError("no tool_result for " + callId + " in " + types(events)));
    }

    @Test
    void aServerToolRunsAndTheReplyGoesOnInTheSameStream() throws Exception {
        List<Event> events = reply(server, "call echo");

        assertEquals(List.of("start", "chunk", "tool_call", "tool_result", "chunk", "end"), types(events));
        SseRecorder.assertSequential(events, 1);
        Event call = only(events, "tool_call");
        assertEquals("call_1_0", call.json().get("tool_call").get("id").asText());
        assertEquals("echo", call.json().get("tool_call").get("name").asText());
        assertEquals("{\"n\":0}", call.json().get("tool_call").get("arguments").asText());
        assertEquals("echo {\"n\":0}", result(events, "call_1_0"));
        assertEquals("round 1. after tools: echo {\"n\":0}", SseRecorder.text(events, "chunk"));
        Event end = events.get(events.size() - 1);
        assertEquals("stop", end.json().get("finish_reason").asText());
        assertEquals(13, end.json().get("usage").get("prompt_tokens").asInt(), "the rounds' usage summed");
        assertEquals(7, end.json().get("usage").get("completion_tokens").asInt());
    }

    @Test
    void theSecondRoundIsAskedWithTheAssistantsCallsAndOneToolMessagePerCall() throws Exception {
        reply(server, "call echo,whoami");

        ChatRequest first = ToolsTestBackendProvider.REQUESTS.poll(1, TimeUnit.SECONDS);
        ChatRequest second = ToolsTestBackendProvider.REQUESTS.poll(1, TimeUnit.SECONDS);
        assertNotNull(second, "a second round");
        assertEquals(List.of("echo", "meet", "fail", "hang", "whoami"),
                first.tools().stream().map(ToolDefinition::name).toList(), "the server tools are offered");
        assertEquals(first.tools(), second.tools());
        List<ChatMessage> added = second.messages().subList(first.messages().size(), second.messages().size());
        assertEquals(3, added.size(), added.toString());
        assertEquals(ChatMessage.assistantCalls("round 1. ", List.of(
                new ToolCall("call_1_0", "echo", "{\"n\":0}"),
                new ToolCall("call_1_1", "whoami", "{\"n\":1}"))), added.get(0));
        assertEquals(ChatMessage.toolResult("call_1_0", "echo {\"n\":0}"), added.get(1));
        assertEquals(ChatMessage.toolResult("call_1_1", "principal null"), added.get(2), "no auth: no principal");
        assertTrue(ToolsTestBackendProvider.REQUESTS.isEmpty());
    }

    @Test
    void twoCallsOfOneRoundRunInParallel() throws Exception {
        // each meet call waits until the other has started: both say "met" only if they overlapped
        List<Event> events = reply(server, "call meet,meet");

        assertEquals("met", result(events, "call_1_0"));
        assertEquals("met", result(events, "call_1_1"));
        assertEquals("round 1. after tools: met; met", SseRecorder.text(events, "chunk"));
    }

    @Test
    void aToolThatThrowsGivesTheModelAnErrorTextAndTheReplyGoesOn() throws Exception {
        List<Event> events = reply(server, "call fail,echo");

        assertEquals("error: the warehouse is closed", result(events, "call_1_0"));
        assertEquals("echo {\"n\":1}", result(events, "call_1_1"));
        assertEquals("round 1. after tools: error: the warehouse is closed; echo {\"n\":1}",
                SseRecorder.text(events, "chunk"), "the results go back in call order");
        assertEquals("stop", events.get(events.size() - 1).json().get("finish_reason").asText());
    }

    @Test
    void aToolStillRunningAtDeleteIsCancelledAndItsSignalFires() throws Exception {
        try (SseRecorder r = SseRecorder.open(HTTP, prompt(server, "call hang").build())) {
            String id = r.header("X-Stream-Id");
            List<Event> events = new ArrayList<>();
            do {
                events.add(r.nextEvent(T));
            } while (!events.get(events.size() - 1).type().equals("tool_call"));
            ToolCallContext running = TestTools.HANGING.poll(T.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(running, "the tool was called");
            assertFalse(running.isCancelled());

            HttpResponse<String> deleted = HTTP.send(HttpRequest.newBuilder(server.uri("/api/chat/streams/" + id))
                    .DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(deleted.statusCode() / 100 == 2, deleted.statusCode() + " " + deleted.body());

            Event end = r.nextEvent(T);
            assertEquals("end", end.type(), "no tool_result after the cancel");
            assertEquals("cancelled", end.json().get("finish_reason").asText());
            r.assertEnded(T);
            assertTrue(running.isCancelled());
            assertTrue(TestTools.SIGNALLED.contains("call_1_0"), "the tool's own listener heard it");
            assertEquals(1, ToolsTestBackendProvider.REQUESTS.size(), "no next round");
        }
    }

    @Test
    void theRoundLimitEndsTheReplyWithLength() throws Exception {
        List<Event> events = reply(server, "loop echo");

        assertEquals(List.of("start", "chunk", "tool_call", "tool_result", "chunk", "tool_call", "tool_result",
                "chunk", "tool_call", "end"), types(events), "3 rounds; the last one's call is not run");
        Event end = events.get(events.size() - 1);
        assertEquals("length", end.json().get("finish_reason").asText());
        assertEquals(9, end.json().get("usage").get("prompt_tokens").asInt());
        assertEquals(3, ToolsTestBackendProvider.REQUESTS.size());
    }

    @Test
    void aRoundThatCallsAClientToolRunsTheServerOnesThenEndsWithToolCalls() throws Exception {
        List<Event> events = reply(server, "call echo,get_weather");

        assertEquals(List.of("start", "chunk", "tool_call", "tool_call", "tool_result", "end"), types(events));
        assertEquals("echo {\"n\":0}", result(events, "call_1_0"));
        assertEquals("tool_calls", events.get(events.size() - 1).json().get("finish_reason").asText());
        assertEquals(1, ToolsTestBackendProvider.REQUESTS.size(), "the client continues, not the server");
    }

    @Test
    void aReaderResumingMidToolCallGetsTheRestOfTheLoop() throws Exception {
        String id;
        long seenTo;
        try (SseRecorder r = SseRecorder.open(HTTP, prompt(server, "call hang,echo").build())) {
            id = r.header("X-Stream-Id");
            Event e;
            do {
                e = r.nextEvent(T);
            } while (!e.type().equals("tool_call"));
            seenTo = e.seq(); // the hang call seen; the connection drops here
        }
        ToolCallContext hanging = TestTools.HANGING.poll(T.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(hanging);
        try (SseRecorder resumed = SseRecorder.open(HTTP, HttpRequest.newBuilder(
                server.uri("/api/chat/streams/" + id)).header("Last-Event-ID", id + ":" + seenTo).build())) {
            assertEquals(200, resumed.status());
            Event next = resumed.nextEvent(T);
            assertEquals(seenTo + 1, next.seq(), "no gap, no repeat");
            assertEquals("tool_call", next.type());
            assertEquals("echo", next.json().get("tool_call").get("name").asText());
            HttpResponse<String> deleted = HTTP.send(HttpRequest.newBuilder(server.uri("/api/chat/streams/" + id))
                    .DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(2, deleted.statusCode() / 100);
            List<Event> rest = new ArrayList<>(List.of(next));
            rest.addAll(resumed.readToEnd(T));
            SseRecorder.assertSequential(rest, seenTo + 1);
            assertEquals("echo {\"n\":1}", result(rest, "call_1_1"), "the echo result, streamed as it came");
            assertEquals("cancelled", rest.get(rest.size() - 1).json().get("finish_reason").asText());
        }
    }

    @Test
    void toolsReceiveThePrincipal() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.backend", "tools-test", "chat.tools", "whoami",
                "chat.auth.mode", "token", "chat.auth.tokens", "alpha-token-0123456789"))) {
            try (SseRecorder r = SseRecorder.open(HTTP, prompt(s, "call whoami")
                    .header("Authorization", "Bearer alpha-token-0123456789").build())) {
                String principal = result(r.readToEnd(T), "call_1_0");
                assertTrue(principal.matches("principal token:[0-9a-f]{16}"), principal);
            }
        }
    }

    @Test
    void aToolThatTakesTooLongTimesOutAndItsSignalFires() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.backend", "tools-test", "chat.tools", "hang,echo",
                "chat.tools.timeout-seconds", "1"))) {
            List<Event> events = reply(s, "call hang,echo");

            assertEquals("error: the tool did not answer within 1 s", result(events, "call_1_0"));
            assertTrue(TestTools.SIGNALLED.contains("call_1_0"));
            assertEquals("round 1. after tools: error: the tool did not answer within 1 s; echo {\"n\":1}",
                    SseRecorder.text(events, "chunk"));
            List<String> order = events.stream().filter(e -> e.type().equals("tool_result"))
                    .map(e -> e.json().get("tool_call_id").asText()).toList();
            assertEquals(List.of("call_1_1", "call_1_0"), order, "results stream as the calls complete");
        }
    }

    @Test
    void anUnknownToolNameStopsStartUp() {
        ConfigException e = assertThrows(ConfigException.class, () -> io.chatstream.app.ChatApplication.start(
                io.chatstream.config.Settings.of(Map.of("chat.tools", "time,weather", "chat.store.url", "off")),
                List.of()));
        assertTrue(e.getMessage().startsWith("Invalid setting chat.tools: no server tool named 'weather'"),
                e.getMessage());
        assertTrue(e.getMessage().contains("calculator") && e.getMessage().contains("time"), e.getMessage());
        for (Map<String, String> bad : List.of(Map.of("chat.tools.max-rounds", "0"),
                Map.of("chat.tools.timeout-seconds", "soon"), Map.of("chat.tools", "time,time"),
                Map.of("chat.tools", "time calculator"))) {
            ConfigException refused = assertThrows(ConfigException.class,
                    () -> io.chatstream.config.ToolsConfig.load(io.chatstream.config.Settings.of(bad)), bad::toString);
            String name = bad.keySet().iterator().next();
            assertTrue(refused.getMessage().startsWith("Invalid setting " + name + " = "), refused.getMessage());
        }
    }
}
