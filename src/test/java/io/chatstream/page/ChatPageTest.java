package io.chatstream.page;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.demo.DemoBackend;
import io.chatstream.testing.SseParser;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chat page in a real headless Chromium against the dev server with the demo backend: streaming, markdown,
 * sanitizing, stop, the keyboard and input methods, the stored conversation, errors.
 */
class ChatPageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer server;
    private static Chromium browser;
    private static ChatPage page;

    @BeforeAll
    static void start() throws Exception {
        Chromium.requireInstalled();
        // slow enough to act while a reply is being written (about two seconds a reply)
        server = TestServer.start(Map.of("chat.demo.tokens-per-second", "50"));
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

    private static String answer(String prompt) {
        return DemoBackend.answerText(ChatRequest.of(prompt));
    }

    @Test
    void tokensAppearBeforeTheReplyEnds() {
        browser.js("window.__seen = {waiting: false, liveThinking: false};"
                + "new MutationObserver(() => {"
                + "  const r = document.querySelector('#messages .msg-assistant'); if (!r) return;"
                + "  const w = r.querySelector('.waiting'); if (w && !w.hidden) __seen.waiting = true;"
                + "  const t = r.querySelector('details.thinking'); if (t && t.open && t.classList.contains('live'))"
                + "    __seen.liveThinking = true;"
                + "}).observe(document.getElementById('messages'), {subtree: true, childList: true, attributes: true,"
                + "  characterData: true});");
        page.send("hello there");

        String partial = browser.await(d -> {
            String shown = page.shownLastReply();
            return "streaming".equals(page.lastReplyStatus()) && shown != null && shown.contains("Demo reply")
                    ? shown : null;
        });
        browser.js("window.__heading = document.querySelector('#messages .answer h2')");
        assertEquals("done", page.awaitReplyEnd());
        // only the growing end is re-rendered: the heading shown early is the very node shown at the end
        assertEquals(Boolean.TRUE, browser.js("return window.__heading.isConnected"));

        String full = page.shownLastReply();
        assertTrue(partial.length() < full.length(), "text was shown before the reply ended");
        assertEquals(answer("hello there"), page.storedLastReply());
        assertEquals(Boolean.TRUE, browser.js("return __seen.waiting"), "a waiting state before the first token");
        assertEquals(Boolean.TRUE, browser.js("return __seen.liveThinking"), "reasoning shown live, open");

        WebElement thinking = page.lastReply().findElement(By.cssSelector("details.thinking"));
        assertNull(thinking.getDomAttribute("open"), "the thinking block folds when the answer starts");
        assertEquals(DemoBackend.reasoningText(ChatRequest.of("hello there")),
                browser.js("return arguments[0].querySelector('.thinking-text').textContent", thinking));
        assertEquals("false", page.lastReply().getDomAttribute("aria-busy"));
    }

    @Test
    void markdownIsRenderedWithHighlightedCodeAndSafeLinks() throws Exception {
        page.send("Show me markdown");
        assertEquals("done", page.awaitReplyEnd());
        WebElement reply = page.lastReply();

        assertEquals("Demo reply", reply.findElement(By.cssSelector(".answer h2")).getText());
        assertEquals(3, reply.findElements(By.cssSelector(".answer ul > li")).size());
        assertEquals("demo backend", reply.findElement(By.cssSelector(".answer strong")).getText());
        WebElement code = reply.findElement(By.cssSelector(".answer .code-block pre code.hljs.language-java"));
        assertFalse(code.findElements(By.cssSelector("span.hljs-keyword")).isEmpty(), "keywords highlighted");
        assertEquals("\"hello\"", code.findElement(By.cssSelector("span.hljs-string")).getText());
        WebElement link = reply.findElement(By.cssSelector(".answer a"));
        assertEquals("https://html.spec.whatwg.org/multipage/server-sent-events.html", link.getDomAttribute("href"));
        assertEquals("_blank", link.getDomAttribute("target"));
        assertTrue(link.getDomAttribute("rel").contains("noopener"));

        // the copy button puts the code, as text, on the clipboard
        browser.driver.executeCdpCommand("Browser.grantPermissions", Map.of("origin", server.uri("/").toString()
                .replaceAll("/$", ""), "permissions", List.of("clipboardReadWrite", "clipboardSanitizedWrite")));
        WebElement copy = reply.findElement(By.cssSelector(".code-block button.copy-code"));
        copy.click();
        browser.await(d -> copy.getText().equals("Copied"));
        Object clipboard = browser.asyncJs("navigator.clipboard.readText().then(arguments[0], e => arguments[0]("
                + "'failed: ' + e))");
        assertEquals("record Greeting(String text) {}\nSystem.out.println(new Greeting(\"hello\"));", clipboard);
    }

    @Test
    void scriptInTheUsersMessageNeverRuns() {
        String prompt = "<img src=x onerror=\"window.__xss=1\"> <script>window.__xss=2</script>"
                + " [x](javascript:window.__xss=3) <a href=\"javascript:window.__xss=4\">y</a>"
                + " <svg onload=\"window.__xss=5\"></svg> <iframe src=\"javascript:parent.__xss=6\"></iframe>";
        page.send(prompt);
        assertEquals("done", page.awaitReplyEnd());
        // the demo quotes the message verbatim into its markdown answer, so all of it went through the renderer
        assertEquals(answer(prompt), page.storedLastReply());

        WebElement user = browser.driver.findElement(By.cssSelector("#messages .msg-user .bubble"));
        assertEquals(prompt, user.getDomProperty("textContent"), "the user's message is shown as text");
        for (WebElement a : page.lastReply().findElements(By.cssSelector(".answer a"))) {
            if (a.getText().equals("x") || a.getText().equals("y")) {
                a.click();
            }
        }
        browser.asyncJs("setTimeout(arguments[0], 300)");
        assertNull(browser.js("return window.__xss"), "no injected script ran");
        assertEquals(0L, browser.js("return document.querySelectorAll('#messages script, #messages iframe,"
                + " #messages [onerror], #messages [onload], #messages a[href^=\"javascript\"], #messages img').length"));
    }

    @Test
    void stopEndsTheGenerationOnTheServer() throws Exception {
        // the demo reply quotes the prompt: a long prompt keeps the reply streaming for about 15 s, so a loaded
        // machine cannot end it between the check that Stop is shown and the click
        String prompt = "please stop early" + " and take your time".repeat(120);
        page.pasteAndSend(prompt);
        browser.await(d -> {
            String shown = page.shownLastReply();
            return shown != null && shown.contains("Demo reply") && "streaming".equals(page.lastReplyStatus());
        });
        String streamId = page.lastReply().getDomAttribute("data-stream-id");
        assertNotNull(streamId);
        assertTrue(page.stopButton().isDisplayed());
        page.stopButton().click();

        assertEquals("stopped", page.awaitReplyEnd());
        assertTrue(page.sendButton().isDisplayed());
        assertFalse(page.stopButton().isDisplayed());
        assertEquals("prompt", browser.js("return document.activeElement.id"), "focus back in the message box");

        // the server's stream ended, cancelled, long before the reply's natural end: replaying it shows where
        List<SseParser.Frame> events = PageTesting.replay(server, streamId);
        JsonNode last = JSON.readTree(events.get(events.size() - 1).data());
        assertEquals("end", last.path("type").asText());
        assertEquals("cancelled", last.path("finish_reason").asText());
        StringBuilder generated = new StringBuilder();
        for (SseParser.Frame f : events) {
            JsonNode e = JSON.readTree(f.data());
            if (e.path("type").asText().equals("chunk")) {
                generated.append(e.path("content").asText());
            }
        }
        // "cancelled" already says the stop reached the server before the reply's end; how far the reply got
        // depends on how fast the browser clicks (half of it was once not enough on a loaded machine)
        String full = answer(prompt);
        assertTrue(generated.length() < full.length(), "generation went on after stop: " + generated);
        String stored = page.storedLastReply();
        assertTrue(full.startsWith(stored) && stored.length() <= generated.length(), "shown: " + stored);
    }

    @Test
    void enterSendsAndShiftEnterAddsALine() {
        WebElement prompt = page.prompt();
        prompt.sendKeys("line one");
        prompt.sendKeys(Keys.chord(Keys.SHIFT, Keys.ENTER));
        prompt.sendKeys("line two");
        assertEquals("line one\nline two", prompt.getDomProperty("value"));
        assertTrue(page.articles().isEmpty());

        prompt.sendKeys(Keys.ENTER);
        assertEquals("line one\nline two", browser.driver.findElement(By.cssSelector("#messages .msg-user .bubble"))
                .getDomProperty("textContent"));
        assertEquals("", prompt.getDomProperty("value"));
        assertEquals("done", page.awaitReplyEnd());
    }

    @Test
    void theEnterThatConfirmsAnInputMethodCandidateNeverSends() {
        WebElement prompt = page.prompt();
        prompt.click();
        browser.await(d -> "prompt".equals(browser.js("return document.activeElement.id")));
        // a real composition through the browser's input-method path: the Enter arrives with isComposing
        browser.driver.executeCdpCommand("Input.imeSetComposition",
                Map.of("text", "ni hao", "selectionStart", 6, "selectionEnd", 6));
        browser.driver.executeCdpCommand("Input.dispatchKeyEvent", Map.of("type", "rawKeyDown", "key", "Enter",
                "code", "Enter", "windowsVirtualKeyCode", 13, "nativeVirtualKeyCode", 13));
        browser.driver.executeCdpCommand("Input.dispatchKeyEvent", Map.of("type", "keyUp", "key", "Enter",
                "code", "Enter", "windowsVirtualKeyCode", 13, "nativeVirtualKeyCode", 13));
        browser.driver.executeCdpCommand("Input.insertText", Map.of("text", "你好"));
        browser.await(d -> "你好".equals(prompt.getDomProperty("value")));
        assertTrue(page.articles().isEmpty(), "the confirming Enter sent the message");

        // each guard on its own: isComposing, Safari's keyCode 229 after compositionend, a composition under way
        String enter = "document.getElementById('prompt').dispatchEvent(new KeyboardEvent('keydown', arguments[0]));";
        browser.asyncJs("setTimeout(arguments[0], 10)");
        browser.js(enter, Map.of("key", "Enter", "code", "Enter", "isComposing", true, "bubbles", true,
                "cancelable", true));
        browser.js(enter, Map.of("key", "Enter", "code", "Enter", "keyCode", 229, "bubbles", true,
                "cancelable", true));
        browser.js("document.getElementById('prompt').dispatchEvent(new CompositionEvent('compositionstart'));"
                + enter, Map.of("key", "Enter", "code", "Enter", "keyCode", 13, "bubbles", true, "cancelable", true));
        assertTrue(page.articles().isEmpty(), "an Enter during composition sent the message");

        browser.js("document.getElementById('prompt').dispatchEvent(new CompositionEvent('compositionend'))");
        browser.asyncJs("setTimeout(arguments[0], 10)");
        prompt.sendKeys(Keys.ENTER);
        assertEquals("你好", browser.driver.findElement(By.cssSelector("#messages .msg-user .bubble"))
                .getDomProperty("textContent"));
        assertEquals("done", page.awaitReplyEnd());
    }

    @Test
    void theConversationIsSentWholeKeptAcrossAReloadAndClearedByNewChat() throws Exception {
        page.send("first question");
        assertEquals("done", page.awaitReplyEnd());
        browser.js("window.__bodies = []; const f = window.fetch;"
                + "window.fetch = (u, i) => { if (i && i.method === 'POST') __bodies.push(i.body); return f(u, i); };");
        page.send("second question");
        browser.await(d -> page.replies().size() == 2);
        assertEquals("done", page.awaitReplyEnd());

        JsonNode sent = JSON.readTree((String) browser.js("return __bodies[0]")).get("messages");
        assertEquals(3, sent.size());
        assertEquals("user", sent.get(0).path("role").asText());
        assertEquals("first question", sent.get(0).path("content").asText());
        assertEquals("assistant", sent.get(1).path("role").asText());
        assertEquals(answer("first question"), sent.get(1).path("content").asText());
        assertEquals("second question", sent.get(2).path("content").asText());

        browser.driver.navigate().refresh();
        page.awaitReady();
        assertEquals(4, page.articles().size());
        assertEquals(2, browser.driver.findElements(By.cssSelector("#messages .answer h2")).size());
        assertEquals(answer("second question"), page.storedLastReply());
        assertEquals("second question", page.articles().get(2).findElement(By.cssSelector(".bubble"))
                .getDomProperty("textContent"));

        browser.driver.findElement(By.id("new-chat")).click();
        assertTrue(page.articles().isEmpty());
        assertTrue(browser.driver.findElement(By.id("empty")).isDisplayed());
        assertEquals(0, page.stored().size());
        assertEquals("prompt", browser.js("return document.activeElement.id"));
    }

    @Test
    void aReplyTheServerNoLongerHasIsAnInlineErrorWithARetry() {
        page.openWith(server.uri("/"), "{\"version\": 1, \"messages\": ["
                + "{\"id\": \"u1\", \"role\": \"user\", \"content\": \"lost one\"},"
                + "{\"id\": \"a1\", \"role\": \"assistant\", \"content\": \"partial\", \"status\": \"streaming\","
                + " \"stream\": {\"key\": \"k1\", \"id\": \"AAAAAAAAAAAAAAAAAAAAAA\", \"lastSeq\": 5}}]}");

        assertEquals("error", page.awaitReplyEnd());
        WebElement notice = page.lastReply().findElement(By.cssSelector(".notice"));
        String text = notice.getDomProperty("textContent");
        assertTrue(text.contains("no longer available"), text);
        assertEquals("alert", notice.getDomAttribute("role"));

        WebElement retry = notice.findElement(By.cssSelector("button[data-action=retry]"));
        retry.sendKeys(Keys.ENTER);
        assertEquals("done", page.awaitReplyEnd());
        assertEquals(answer("lost one"), page.storedLastReply());
        assertEquals(1, page.replies().size());
    }

    @Test
    void toolCallsAndTheirResultsShowCompactlyAsText() {
        page.openWith(server.uri("/"), "{\"version\": 1, \"messages\": ["
                + "{\"id\": \"u1\", \"role\": \"user\", \"content\": \"weather?\"},"
                + "{\"id\": \"a1\", \"role\": \"assistant\", \"content\": \"It is **sunny**.\", \"status\": \"done\","
                + " \"tools\": [{\"id\": \"c1\", \"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\":\\\"Paris\\\"}\","
                + " \"result\": \"<img src=x onerror=\\\"window.__xss=7\\\">sunny\"}]}]}");
        WebElement tool = page.lastReply().findElement(By.cssSelector(".tools details.tool"));
        assertNull(tool.getDomAttribute("open"), "folded to one line");
        assertEquals("get_weather", tool.findElement(By.cssSelector(".tool-name")).getText());
        assertEquals("done", tool.findElement(By.cssSelector(".tool-state")).getText());

        tool.findElement(By.tagName("summary")).click();
        assertEquals("{\"city\":\"Paris\"}", tool.findElement(By.cssSelector(".tool-args")).getText());
        assertEquals("<img src=x onerror=\"window.__xss=7\">sunny",
                tool.findElement(By.cssSelector(".tool-result")).getText());
        assertEquals(0L, browser.js("return document.querySelectorAll('#messages .tools img').length"));
        assertNull(browser.js("return window.__xss"));
        assertEquals("sunny", page.lastReply().findElement(By.cssSelector(".answer strong")).getText());
    }

    @Test
    void everyControlHasANameTheReplyIsLiveAndTheKeyboardReachesEverything() {
        assertEquals("prompt", browser.js("return document.activeElement.id"), "the message box has focus at once");
        WebElement messages = browser.driver.findElement(By.id("messages"));
        assertEquals("polite", messages.getDomAttribute("aria-live"));
        assertEquals("Message", page.prompt().getAccessibleName());
        assertEquals("Send message", page.sendButton().getAccessibleName());
        assertEquals("New chat", browser.driver.findElement(By.id("new-chat")).getAccessibleName());

        browser.driver.switchTo().activeElement().sendKeys("keyboard only", Keys.ENTER);
        browser.await(d -> "true".equals(page.lastReply().getDomAttribute("aria-busy")));
        assertEquals("Stop generating", page.stopButton().getAccessibleName());
        assertEquals("done", page.awaitReplyEnd());
        assertTrue((Boolean) browser.js("return document.getElementById('messages').contains(arguments[0])",
                page.lastReply()), "the reply is inside the live region");
        assertEquals("Copy code", page.lastReply().findElement(By.cssSelector(".copy-code")).getAccessibleName());

        // backwards from the message box, the keyboard reaches the reply's controls; Enter opens the reasoning
        WebElement summary = page.lastReply().findElement(By.cssSelector("details.thinking > summary"));
        boolean reached = false;
        for (int i = 0; i < 12 && !reached; i++) {
            browser.driver.switchTo().activeElement().sendKeys(Keys.chord(Keys.SHIFT, Keys.TAB));
            reached = browser.driver.switchTo().activeElement().equals(summary);
        }
        assertTrue(reached, "the thinking block is reachable with Tab");
        summary.sendKeys(Keys.ENTER);
        assertNotNull(page.lastReply().findElement(By.cssSelector("details.thinking")).getDomAttribute("open"));
    }
}
