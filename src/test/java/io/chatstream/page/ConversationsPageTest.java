package io.chatstream.page;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page with conversations kept on the server, in a real headless Chromium against the dev server with an H2
 * store in a temp directory: the sidebar (list, more pages, search, pin, rename, delete with Undo), the URL
 * ({@code #c=}, back and forward, a reload), an unknown conversation, regenerate, edit and the version arrows, the
 * shortcuts, the widget on a portal of the same site (the person's own list) and of another site (the one local
 * conversation: the owner cookie would not stay there), and {@code chat.store.url=off} keeping the one local
 * conversation. The echo-test backend answers with
 * the user messages of the path it was given, so a reply shows which branch the server sent.
 *
 * <p>Each test starts with a fresh browser profile's cookie (a new owner), so it sees only its own conversations.
 */
class ConversationsPageTest {

    private static TestServer server;
    private static TestServer off;
    private static HttpServer portal;
    private static Chromium browser;
    private static ConversationsPage page;

    @BeforeAll
    static void start() throws Exception {
        Chromium.requireInstalled();
        Path dir = Files.createTempDirectory("chat-page-store");
        portal = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        portal.createContext("/", exchange -> {
            byte[] body = ("<!doctype html><html><head><title>Portal</title></head><body><h1>Portal</h1>"
                    + "<script src=\"" + server.uri("/embed.js") + "\" data-title=\"Help\"></script></body></html>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html;charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        portal.start();
        int port = portal.getAddress().getPort();
        server = TestServer.start(Map.of("chat.backend", "echo-test", "chat.store.url", "embedded",
                "chat.store.dir", dir.toString(), "chat.limits.max-streams-per-client", "1000",
                "chat.cors.allowed-origins", "http://127.0.0.1:" + port + ",http://localhost:" + port));
        off = TestServer.start(Map.of("chat.demo.tokens-per-second", "1000"));
        browser = Chromium.start();
        page = new ConversationsPage(browser);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.close();
        }
        if (off != null) {
            off.close();
        }
        if (portal != null) {
            portal.stop(0);
        }
    }

    /** A new owner: the cookie of the last test is gone. */
    @BeforeEach
    void newOwner() {
        browser.driver.get(server.uri("/api/health").toString());
        browser.driver.manage().deleteAllCookies();
        browser.js("localStorage.clear()");
        browser.consoleMessages();
    }

    private void openHome() {
        page.open(server.uri("/").toString());
    }

    private void awaitTitles(List<String> expected) {
        try {
            browser.await(d -> page.titles().equals(expected));
        } catch (RuntimeException e) {
            throw new AssertionError("the list shows " + page.titles() + ", expected " + expected, e);
        }
    }

    private void awaitShown(List<String> expected) {
        try {
            browser.await(d -> page.shown().equals(expected) && !"streaming".equals(page.chat.lastReplyStatus()));
        } catch (RuntimeException e) {
            throw new AssertionError("the page shows " + page.shown() + ", expected " + expected, e);
        }
    }

    @Test
    void theListTheUrlBackForwardAndReload() {
        openHome();
        assertEquals("server", browser.js("return document.body.dataset.conversations"));
        assertEquals(List.of(), page.titles());
        assertEquals("No conversations yet.", browser.driver.findElement(By.id("conv-empty")).getText());

        page.sendAndWait("first question");
        String first = page.urlId();
        assertNotNull(first, "the new conversation is in the URL");
        awaitTitles(List.of("first question"));
        assertEquals("first question", page.conversation(first).path("title").asText(), "made on the first send");

        browser.driver.findElement(By.id("sidebar-new")).click();
        assertNull(page.urlId());
        assertTrue(browser.driver.findElement(By.id("empty")).isDisplayed());
        page.sendAndWait("second question");
        String second = page.urlId();
        assertNotEquals(first, second);
        awaitTitles(List.of("second question", "first question"));
        assertEquals("page", page.entry("second question").getDomAttribute("aria-current"));

        page.entry("first question").findElement(By.cssSelector("a")).click();
        browser.await(d -> first.equals(page.urlId()));
        awaitShown(List.of("first question", "first question"));
        assertEquals("page", page.entry("first question").getDomAttribute("aria-current"));

        browser.driver.navigate().back();
        awaitShown(List.of("second question", "second question"));
        assertEquals(second, page.urlId());
        browser.driver.navigate().forward();
        awaitShown(List.of("first question", "first question"));

        // a second turn goes to the conversation: the server sends the whole path (the echo shows it)
        page.sendAndWait("and more");
        awaitShown(List.of("first question", "first question", "and more", "first questionand more"));
        awaitTitles(List.of("first question", "second question"));

        browser.driver.navigate().refresh();
        page.chat.awaitReady();
        awaitShown(List.of("first question", "first question", "and more", "first questionand more"));
        assertEquals(first, page.urlId());
        assertTrue(browser.policyViolations().isEmpty(), "no Content-Security-Policy refusal");
    }

    @Test
    void anUnknownConversationSaysSoAndOffersANewChat() {
        page.open(server.uri("/#c=no-such-conversation").toString());
        WebElement missing = browser.await(d -> {
            WebElement m = d.findElement(By.id("missing"));
            return m.isDisplayed() ? m : null;
        });
        assertTrue(missing.getText().contains("Conversation not found"), missing.getText());
        assertFalse(browser.driver.findElement(By.id("empty")).isDisplayed());

        browser.driver.findElement(By.id("missing-new")).click();
        assertNull(page.urlId());
        assertFalse(missing.isDisplayed());
        assertTrue(browser.driver.findElement(By.id("empty")).isDisplayed());
        page.sendAndWait("after all");
        assertNotNull(page.urlId());
    }

    @Test
    void renameInPlaceAndPin() {
        page.api("POST", "", "{\"title\":\"older\"}");
        String id = page.api("POST", "", "{\"title\":\"to rename\"}").path("body").path("id").asText();
        openHome();
        awaitTitles(List.of("to rename", "older"));

        page.act("to rename", "rename");
        WebElement box = browser.driver.findElement(By.cssSelector("#sidebar input.conv-rename"));
        box.sendKeys(Keys.chord(Keys.CONTROL, "a"), "Renamed <b>here</b>", Keys.ENTER);
        awaitTitles(List.of("Renamed <b>here</b>", "older"));
        browser.await(d -> "Renamed <b>here</b>".equals(page.conversation(id).path("title").asText()));
        assertTrue(browser.driver.findElements(By.cssSelector("#sidebar b")).isEmpty(), "a title is text");

        page.act("Renamed <b>here</b>", "rename");
        box = browser.driver.findElement(By.cssSelector("#sidebar input.conv-rename"));
        box.sendKeys(Keys.chord(Keys.CONTROL, "a"), "not this", Keys.ESCAPE);
        awaitTitles(List.of("Renamed <b>here</b>", "older"));

        page.act("older", "pin");
        browser.await(d -> page.pinnedTitles().equals(List.of("older")));
        awaitTitles(List.of("older", "Renamed <b>here</b>"));
        browser.driver.navigate().refresh();
        page.chat.awaitReady();
        page.awaitList();
        assertEquals(List.of("older"), page.pinnedTitles(), "pinned on the server");
        assertEquals("true", page.entry("older").findElement(By.cssSelector("button[data-act=pin]"))
                .getDomAttribute("aria-pressed"));
    }

    @Test
    void deleteWaitsForItsUndoToast() {
        String kept = page.api("POST", "", "{\"title\":\"undone\"}").path("body").path("id").asText();
        String gone = page.api("POST", "", "{\"title\":\"deleted\"}").path("body").path("id").asText();
        openHome();
        awaitTitles(List.of("deleted", "undone"));

        page.act("undone", "delete");
        awaitTitles(List.of("deleted"));
        WebElement toast = browser.driver.findElement(By.id("toast"));
        assertTrue(toast.isDisplayed());
        assertTrue(toast.getText().contains("Deleted “undone”"), toast.getText());
        browser.driver.findElement(By.id("undo")).click();
        awaitTitles(List.of("deleted", "undone"));
        assertFalse(toast.isDisplayed());

        page.entry("deleted").findElement(By.cssSelector("a")).click();
        browser.await(d -> gone.equals(page.urlId()));
        page.act("deleted", "delete");
        awaitTitles(List.of("undone"));
        assertNull(page.urlId(), "the conversation shown and deleted gives way to a new chat");
        assertEquals(200, page.status(gone), "nothing is deleted while Undo is offered");
        browser.await(Duration.ofSeconds(10), d -> page.status(gone) == 404);
        assertFalse(toast.isDisplayed());
        assertEquals(200, page.status(kept), "the undone delete was never sent");
        browser.driver.navigate().refresh();
        page.chat.awaitReady();
        page.awaitList();
        assertEquals(List.of("undone"), page.titles());
    }

    @Test
    void moreConversationsLoadAsTheListIsScrolledAndSearchFiltersIt() {
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 26; i++) {
            String title = (i % 5 == 0 ? "needle " : "hay ") + i;
            page.api("POST", "", "{\"title\":\"" + title + "\"}");
            expected.add(0, title);
        }
        openHome();
        browser.await(d -> page.titles().size() >= 20);
        browser.js("const s = document.getElementById('conv-scroll'); s.scrollTop = s.scrollHeight");
        awaitTitles(expected);

        WebElement search = browser.driver.findElement(By.id("search"));
        search.sendKeys("NEEDLE");
        awaitTitles(List.of("needle 25", "needle 20", "needle 15", "needle 10", "needle 5"));
        search.sendKeys(" 2");
        awaitTitles(List.of("needle 25", "needle 20"));
        search.sendKeys("x");
        browser.await(d -> browser.driver.findElement(By.id("conv-empty")).isDisplayed());
        assertEquals("No conversation matches.", browser.driver.findElement(By.id("conv-empty")).getText());
        search.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        browser.await(d -> page.titles().size() >= 20 && page.titles().get(0).equals("hay 26"));
    }

    @Test
    void searchFindsMessageText() {
        openHome();
        page.sendAndWait("a question about zebras");
        browser.driver.findElement(By.id("sidebar-new")).click();
        page.sendAndWait("something else");
        awaitTitles(List.of("something else", "a question about zebras"));
        page.api("PATCH", "/" + page.urlId(), "{\"title\":\"renamed\"}");
        browser.driver.findElement(By.id("search")).sendKeys("ZEBRA");
        awaitTitles(List.of("a question about zebras"));
    }

    @Test
    void regenerateEditAndTheVersionArrows() {
        openHome();
        page.sendAndWait("alpha");
        page.sendAndWait("two");
        String id = page.urlId();
        awaitShown(List.of("alpha", "alpha", "two", "alphatwo"));
        assertNull(page.versions(3));
        assertTrue(browser.driver.findElement(By.cssSelector("#messages article:nth-child(4)"))
                .getDomAttribute("title").length() > 0, "a timestamp on hover");
        assertTrue(browser.driver.findElements(By.cssSelector(
                "#messages article:nth-child(2) button[data-action=regenerate]:not([hidden])")).isEmpty(),
                "only the last reply offers Regenerate");

        page.messageAction(3, "regenerate");
        browser.await(d -> "2 / 2".equals(page.versions(3)));
        awaitShown(List.of("alpha", "alpha", "two", "alphatwo"));
        JsonNode conv = page.conversation(id);
        assertEquals(5, conv.path("messages").size(), "a second reply beside the first");

        page.messageAction(3, "branch-prev");
        assertEquals("1 / 2", page.versions(3));
        browser.await(d -> !page.conversation(id).path("current_leaf").asText()
                .equals(conv.path("current_leaf").asText()));

        // edit the first message: a new version of it, answered along its own path
        page.messageAction(0, "edit");
        WebElement editor = browser.driver.findElement(By.cssSelector("#messages form.edit textarea"));
        editor.sendKeys(Keys.chord(Keys.CONTROL, "a"), "beta", Keys.ENTER);
        browser.await(d -> "2 / 2".equals(page.versions(0)));
        awaitShown(List.of("beta", "beta"));
        assertEquals(7, page.conversation(id).path("messages").size());

        page.messageAction(0, "branch-prev");
        awaitShown(List.of("alpha", "alpha", "two", "alphatwo"));
        assertEquals("1 / 2", page.versions(0));
        assertEquals("2 / 2", page.versions(3), "the branch's newest reply");

        browser.driver.navigate().refresh();
        page.chat.awaitReady();
        awaitShown(List.of("alpha", "alpha", "two", "alphatwo"));
        browser.await(d -> "1 / 2".equals(page.versions(0)) && "2 / 2".equals(page.versions(3)));

        page.messageAction(0, "branch-next");
        awaitShown(List.of("beta", "beta"));
        page.messageAction(0, "copy-message");
        assertTrue(browser.policyViolations().isEmpty(), "no Content-Security-Policy refusal");
    }

    @Test
    void keyboardShortcutsFocusSearchAndStartANewChat() {
        openHome();
        page.sendAndWait("shortcut");
        assertNotNull(page.urlId());
        new Actions(browser.driver).keyDown(Keys.CONTROL).sendKeys("k").keyUp(Keys.CONTROL).perform();
        assertEquals("search", browser.js("return document.activeElement.id"));
        new Actions(browser.driver).keyDown(Keys.CONTROL).keyDown(Keys.SHIFT).sendKeys("o").keyUp(Keys.SHIFT)
                .keyUp(Keys.CONTROL).perform();
        browser.await(d -> page.urlId() == null && page.shown().isEmpty());
    }

    @Test
    void atPhoneWidthTheListIsADrawer() {
        page.api("POST", "", "{\"title\":\"on the phone\"}");
        browser.phone(390, 800);
        try {
            openHome();
            WebElement sidebar = browser.driver.findElement(By.id("sidebar"));
            WebElement menu = browser.driver.findElement(By.id("menu"));
            assertFalse(sidebar.isDisplayed(), "closed");
            assertTrue(menu.isDisplayed());
            new Actions(browser.driver).keyDown(Keys.CONTROL).sendKeys("k").keyUp(Keys.CONTROL).perform();
            browser.await(d -> sidebar.isDisplayed());
            assertEquals("search", browser.js("return document.activeElement.id"), "Ctrl+K opens it on the search");
            assertEquals("true", menu.getDomAttribute("aria-expanded"));
            new Actions(browser.driver).sendKeys(Keys.ESCAPE).perform();
            browser.await(d -> !sidebar.isDisplayed());
            assertEquals("menu", browser.js("return document.activeElement.id"), "Esc closes it, back to the menu");
            menu.click();
            browser.await(d -> sidebar.isDisplayed());
            WebElement link = page.entry("on the phone").findElement(By.cssSelector("a"));
            browser.await(d -> link.isDisplayed() && !link.getText().isEmpty()); // the drawer has slid in
            link.click();
            browser.await(d -> !sidebar.isDisplayed() && page.urlId() != null);
        } finally {
            browser.driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        }
    }

    /** Opens the widget on the portal page at {@code origin} and goes into its frame. */
    private void openWidget(String origin) {
        browser.driver.get(origin + "/");
        browser.await(d -> "ready".equals(browser.js(
                "const s = document.querySelector('script[src$=\"embed.js\"]'); return s && s.dataset.state")));
        SearchContext shadow = browser.driver.findElement(By.cssSelector("[data-chatstream]")).getShadowRoot();
        shadow.findElement(By.cssSelector("button.launcher")).click();
        browser.driver.switchTo().frame(shadow.findElement(By.cssSelector(".panel iframe")));
        page.chat.awaitReady();
    }

    @Test
    void theWidgetOnAPortalOfTheSameSiteListsThePersonsOwnConversations() {
        openHome();
        page.sendAndWait("from the full page");
        String id = page.urlId();
        browser.driver.findElement(By.id("sidebar-new")).click();
        page.sendAndWait("another");

        openWidget("http://127.0.0.1:" + portal.getAddress().getPort());
        try {
            page.awaitList();
            awaitTitles(List.of("another", "from the full page"));
            WebElement sidebar = browser.driver.findElement(By.id("sidebar"));
            assertFalse(sidebar.isDisplayed(), "a drawer, closed");
            WebElement menu = browser.driver.findElement(By.id("menu"));
            menu.click();
            browser.await(d -> sidebar.isDisplayed() && "true".equals(menu.getDomAttribute("aria-expanded")));
            page.entry("from the full page").findElement(By.cssSelector("a")).click();
            awaitShown(List.of("from the full page", "from the full page"));
            assertEquals(id, page.urlId());
            browser.await(d -> !sidebar.isDisplayed());
        } finally {
            browser.driver.switchTo().defaultContent();
        }
    }

    @Test
    void theWidgetOnAPortalOfAnotherSiteKeepsItsOneLocalConversation() {
        // localhost and 127.0.0.1 are different sites: the chat's owner cookie would not stay in the frame
        openWidget("http://localhost:" + portal.getAddress().getPort());
        try {
            assertEquals("local", browser.js("return document.body.dataset.conversations"));
            assertTrue(browser.driver.findElements(By.id("sidebar")).isEmpty(), "no list");
            page.chat.send("in the widget");
            assertEquals("done", page.chat.awaitReplyEnd());
            assertEquals("in the widget", page.chat.stored().get(0).path("content").asText());
        } finally {
            browser.driver.switchTo().defaultContent();
        }
    }

    @Test
    void withTheStoreOffThePageKeepsItsOneLocalConversation() {
        page.chat.openFresh(off.uri("/"));
        assertEquals("local", browser.js("return document.body.dataset.conversations"));
        assertTrue(browser.driver.findElements(By.id("sidebar")).isEmpty(), "no list");
        assertTrue(browser.driver.findElements(By.id("menu")).isEmpty());
        page.chat.send("kept in this browser");
        assertEquals("done", page.chat.awaitReplyEnd());
        assertEquals("kept in this browser", page.chat.stored().get(0).path("content").asText());
        assertEquals("", browser.js("return location.hash"));
        browser.driver.navigate().refresh();
        page.chat.awaitReady();
        assertEquals(2, page.chat.articles().size(), "the stored conversation, after a reload");
    }
}
