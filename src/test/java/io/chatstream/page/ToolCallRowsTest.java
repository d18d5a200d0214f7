package io.chatstream.page;

import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.util.Map;

import static io.chatstream.page.ScriptedTestBackendProvider.CALL;
import static io.chatstream.page.ScriptedTestBackendProvider.RESULT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replies the demo never gives, from the scripted test backend, in a real headless Chromium: a tool call nothing runs,
 * a tool call with its result, and a model error, with what the hidden status line (aria-live) says after each.
 */
class ToolCallRowsTest {

    private static TestServer server;
    private static Chromium browser;
    private static ChatPage page;

    @BeforeAll
    static void start() throws Exception {
        Chromium.requireInstalled();
        server = TestServer.start(Map.of("chat.backend", "scripted-test"));
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

    @BeforeEach
    void freshPage() {
        page.openFresh(server.uri("/"));
    }

    private WebElement toolRow() {
        return page.lastReply().findElement(By.cssSelector(".tools details.tool"));
    }

    private String statusLine(String expected) {
        return browser.await(d -> {
            Object text = browser.js("return document.getElementById('status').textContent");
            return expected.equals(text) ? (String) text : null;
        });
    }

    @Test
    void aToolCallThatEndsTheReplyIsRequestedNotRunning() {
        page.send(ScriptedTestBackendProvider.TOOL_CALL);
        assertEquals("done", page.awaitReplyEnd());

        WebElement row = toolRow();
        assertEquals("get_weather", row.findElement(By.cssSelector(".tool-name")).getText());
        assertEquals("requested", row.findElement(By.cssSelector(".tool-state")).getText());
        assertTrue(row.findElements(By.cssSelector(".tool-result")).isEmpty(), "no result to show");
        row.findElement(By.tagName("summary")).click();
        assertEquals(CALL.arguments(), row.findElement(By.cssSelector(".tool-args")).getText());
        assertEquals("The model asked for a tool to be run.",
                page.lastReply().findElement(By.cssSelector(".notice")).getText());
    }

    @Test
    void aToolResultMarksItsCallDoneAndShowsAsText() {
        page.send(ScriptedTestBackendProvider.TOOL_RESULT);
        assertEquals("done", page.awaitReplyEnd());

        WebElement row = toolRow();
        assertEquals(1, page.lastReply().findElements(By.cssSelector(".tools details.tool")).size(),
                "the result joins its call's row");
        assertEquals("done", row.findElement(By.cssSelector(".tool-state")).getText());
        assertNull(row.getDomAttribute("open"), "folded to one line");
        row.findElement(By.tagName("summary")).click();
        assertEquals(RESULT, row.findElement(By.cssSelector(".tool-result")).getText());
        assertEquals(0L, browser.js("return document.querySelectorAll('#messages .tools b').length"),
                "text, never HTML");
        assertEquals("It is 18 °C in Paris.", page.shownLastReply().trim());
        statusLine("Reply finished.");
    }

    @Test
    void afterAnErrorTheStatusLineSaysWhatHappened() {
        page.send("anything else");
        assertEquals("error", page.awaitReplyEnd());

        String notice = page.lastReply().findElement(By.cssSelector(".notice .notice-text")).getText();
        assertEquals("The model stopped answering partway through.", notice);
        statusLine("Reply failed.");
    }

    @Test
    void whenTheServerRefusesTheStatusLineSaysWhy() {
        // the page's request, refused by the server (413), as any HTTP error before a stream begins
        browser.js("localStorage.clear()");
        page.prompt().sendKeys("x");
        browser.js("const f = window.fetch; window.fetch = (url, init) => init && init.method === 'POST'"
                + " ? Promise.resolve(new Response('{\"error\":{\"code\":\"payload_too_large\",\"message\":\"too big\"}}',"
                + " {status: 413, headers: {'Content-Type': 'application/json'}})) : f(url, init);");
        page.send("");
        assertEquals("error", page.awaitReplyEnd());
        statusLine("Reply failed.");
        assertEquals("This conversation is too long to send. Start a new chat.",
                page.lastReply().findElement(By.cssSelector(".notice .notice-text")).getText());
    }
}
