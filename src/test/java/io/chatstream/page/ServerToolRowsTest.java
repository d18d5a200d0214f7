package io.chatstream.page;

import io.chatstream.testing.TestServer;
import io.chatstream.web.ChatContextListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server tool's row in a real headless Chromium: the demo with {@code chat.tools=time} calls the time tool, the
 * row shows the call, then {@code done} with the result when its {@code tool_result} arrives, and the answer follows
 * in the same reply.
 */
class ServerToolRowsTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T19:30:05Z"), ZoneOffset.UTC);
    private static final String RESULT = "2026-12-03T19:30:05Z (UTC, Thursday)";

    private static TestServer server;
    private static Chromium browser;
    private static ChatPage page;

    @BeforeAll
    static void start() throws Exception {
        Chromium.requireInstalled();
        server = TestServer.start(Map.of("chat.tools", "time", "chat.demo.tokens-per-second", "200"),
                webapp -> webapp.setAttribute(ChatContextListener.CLOCK_ATTRIBUTE, CLOCK));
        browser = Chromium.start();
        page = new ChatPage(browser);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theTimeToolsRowGoesFromTheCallToDoneWithItsResult() {
        page.openFresh(server.uri("/"));
        // every state the row's label shows, in order, as the page renders it
        browser.js("window.toolStates = [];"
                + "new MutationObserver(() => document.querySelectorAll('#messages .tool-state').forEach((s) => {"
                + "  const last = window.toolStates[window.toolStates.length - 1];"
                + "  if (s.textContent !== last) { window.toolStates.push(s.textContent); }"
                + "})).observe(document.getElementById('messages'), {subtree: true, childList: true,"
                + " characterData: true});");
        page.send("what time is it?");
        assertEquals("done", page.awaitReplyEnd());

        List<WebElement> rows = page.lastReply().findElements(By.cssSelector(".tools details.tool"));
        assertEquals(1, rows.size(), "the result joins its call's row");
        WebElement row = rows.get(0);
        assertEquals("time", row.findElement(By.cssSelector(".tool-name")).getText());
        assertEquals("{\"zone\":\"UTC\"}", row.findElement(By.cssSelector(".tool-brief")).getText(),
                "the arguments on the row");
        assertEquals("done", row.findElement(By.cssSelector(".tool-state")).getText());
        @SuppressWarnings("unchecked")
        List<Object> states = (List<Object>) browser.js("return window.toolStates");
        assertEquals("done", states.get(states.size() - 1), states.toString());
        assertTrue(states.stream().noneMatch("requested"::equals), "a server tool is never left to the client: "
                + states);
        row.findElement(By.tagName("summary")).click();
        assertEquals(RESULT, row.findElement(By.cssSelector(".tool-result")).getText());
        assertEquals("It is now " + RESULT + ", as the server's time tool tells me.",
                page.shownLastReply().trim());
    }
}
