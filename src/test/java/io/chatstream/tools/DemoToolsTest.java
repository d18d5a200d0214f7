package io.chatstream.tools;

import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;
import io.chatstream.testing.TestServer;
import io.chatstream.web.ChatContextListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static io.chatstream.tools.ServerToolsApiTest.only;
import static io.chatstream.tools.ServerToolsApiTest.reply;
import static io.chatstream.tools.ServerToolsApiTest.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole loop on a fresh clone, with no model: the demo backend with {@code chat.tools=time,calculator} calls the
 * tool the prompt asks for, the server runs it, and the demo's next round answers with the result.
 */
@Timeout(60)
class DemoToolsTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T19:30:05Z"), ZoneOffset.UTC);
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("chat.tools", "time,calculator", "chat.demo.tokens-per-second", "1000"),
                webapp -> webapp.setAttribute(ChatContextListener.CLOCK_ATTRIBUTE, CLOCK));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void whatTimeIsItCallsTheTimeToolAndAnswersWithItsResult() throws Exception {
        List<Event> events = reply(server, "what time is it?");

        List<String> types = types(events).stream().distinct().toList();
        assertEquals(List.of("start", "reasoning", "tool_call", "tool_result", "chunk", "end"), types);
        Event call = only(events, "tool_call");
        assertEquals("time", call.json().get("tool_call").get("name").asText());
        Event result = only(events, "tool_result");
        assertEquals(call.json().get("tool_call").get("id").asText(), result.json().get("tool_call_id").asText());
        assertEquals("2026-12-03T19:30:05Z (UTC, Thursday)", result.json().get("result").asText());
        assertEquals("It is now **2026-12-03T19:30:05Z (UTC, Thursday)**, as the server's `time` tool tells me.\n",
                SseRecorder.text(events, "chunk"));
        assertEquals("stop", events.get(events.size() - 1).json().get("finish_reason").asText());
    }

    @Test
    void arithmeticGoesToTheCalculator() throws Exception {
        List<Event> events = reply(server, "what is (2 + 3) * 4.5?");

        Event call = only(events, "tool_call");
        assertEquals("calculator", call.json().get("tool_call").get("name").asText());
        assertEquals("{\"expression\":\"(2 + 3) * 4.5\"}", call.json().get("tool_call").get("arguments").asText());
        assertEquals("22.5", only(events, "tool_result").json().get("result").asText());
        assertEquals("The `calculator` tool worked it out: (2 + 3) * 4.5 = **22.5**.\n",
                SseRecorder.text(events, "chunk"));
    }

    @Test
    void aBadExpressionIsAnErrorTheDemoReportsInWords() throws Exception {
        List<Event> events = reply(server, "compute 1 / 0 please");

        assertEquals("error: division by zero at position 3", only(events, "tool_result").json().get("result")
                .asText());
        assertTrue(SseRecorder.text(events, "chunk").startsWith(
                "I asked the `calculator` tool, and it answered with an error: division by zero"));
        assertEquals("stop", events.get(events.size() - 1).json().get("finish_reason").asText());
    }

    @Test
    void aPromptThatNeedsNoToolGetsTheUsualReply() throws Exception {
        List<Event> events = reply(server, "hello there");

        assertTrue(types(events).stream().noneMatch(t -> t.startsWith("tool")), types(events).toString());
        assertTrue(SseRecorder.text(events, "chunk").startsWith("## Demo reply"));
    }
}
