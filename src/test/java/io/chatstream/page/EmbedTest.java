package io.chatstream.page;

import com.sun.net.httpserver.HttpServer;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.demo.DemoBackend;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.WebElement;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The widget that {@code embed.js} puts on a portal's page of another origin: the portal is served by a JDK
 * {@code HttpServer} at {@code http://localhost:P}, the chat at {@code http://127.0.0.1:Q}, which allows only the
 * portal's origin. A page of an origin the chat does not allow gets no widget.
 */
class EmbedTest {

    private static HttpServer portal;
    private static HttpServer intranet;
    private static HttpServer stranger;
    private static TestServer chat;
    private static Chromium browser;

    @BeforeAll
    static void start() throws Exception {
        Chromium.requireInstalled();
        portal = hostPage(HARSH_CSS, "data-title=\"Help desk\" data-position=\"bottom-left\"");
        intranet = hostPage(INTRANET_CSS, "data-title=\"Ask IT\" data-open=\"true\" data-color=\"#0f766e\"");
        stranger = hostPage("", "data-title=\"Help desk\" data-open=\"true\"");
        chat = TestServer.start(Map.of("chat.demo.tokens-per-second", "300",
                "chat.cors.allowed-origins", origin(portal) + "," + origin(intranet)));
        browser = Chromium.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (chat != null) {
            chat.close();
        }
        for (HttpServer s : new HttpServer[] {portal, intranet, stranger}) {
            if (s != null) {
                s.stop(0);
            }
        }
    }

    private static String origin(HttpServer server) {
        return "http://localhost:" + server.getAddress().getPort();
    }

    /** Portal styles that would wreck a widget they could reach. */
    private static final String HARSH_CSS = "button { all: unset; font-size: 40px; } * { color: red !important; }"
            + " div { position: static !important; }";
    private static final String INTRANET_CSS = "body { margin: 0; font: 16px/1.5 system-ui, sans-serif;"
            + " background: #f4f5f7; color: #1f2328; } header { background: #0f766e; color: #fff; padding: 18px 32px;"
            + " font-weight: 600; font-size: 20px; } main { max-width: 760px; padding: 24px 32px; }"
            + " .card { background: #fff; border-radius: 12px; padding: 20px 24px; margin-bottom: 16px;"
            + " box-shadow: 0 1px 3px rgba(0,0,0,.08); }";

    /** A portal page at {@code /} that carries the one script line, with these attributes. */
    private static HttpServer hostPage(String css, String attributes) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String html = "<!doctype html><html><head><title>Portal</title><style>" + css + "</style></head>"
                    + "<body><header>Intranet</header><main><h1>Welcome back</h1>"
                    + "<div class=\"card\"><h2>Announcements</h2><p>The portal's own content: news, links and"
                    + " forms.</p></div><div class=\"card\"><h2>Your requests</h2><p>Nothing open.</p></div></main>"
                    + "<script src=\"" + chat.uri("/embed.js") + "\" " + attributes + "></script>"
                    + "</body></html>";
            byte[] body = html.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html;charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    private String awaitState() {
        return browser.await(d -> (String) browser.js(
                "const s = document.querySelector('script[src$=\"embed.js\"]'); return s && s.dataset.state"));
    }

    @Test
    void theWidgetOnAnAllowedOriginOpensAChatThatStreams() {
        browser.consoleMessages();
        browser.driver.get(origin(portal) + "/");
        assertEquals("ready", awaitState());
        SearchContext shadow = browser.driver.findElement(By.cssSelector("[data-chatstream]")).getShadowRoot();
        WebElement launcher = shadow.findElement(By.cssSelector("button.launcher"));
        WebElement panel = shadow.findElement(By.cssSelector(".panel"));
        assertEquals("Open Help desk", launcher.getAccessibleName());
        assertEquals("false", launcher.getDomAttribute("aria-expanded"));
        assertFalse(panel.isDisplayed());
        assertTrue(launcher.getRect().getX() < 100, "data-position=bottom-left puts it on the left");

        launcher.click();
        browser.await(d -> panel.isDisplayed());
        assertEquals("true", launcher.getDomAttribute("aria-expanded"));
        WebElement frame = panel.findElement(By.tagName("iframe"));
        assertEquals(chat.uri("/") + "?embed=1&title=Help%20desk", frame.getDomAttribute("src"));

        browser.driver.switchTo().frame(frame);
        ChatPage page = new ChatPage(browser);
        page.awaitReady();
        assertEquals("Help desk", browser.driver.findElement(By.cssSelector(".topbar h1")).getText());
        browser.await(d -> "prompt".equals(browser.js("return document.activeElement.id")));
        page.send("hello from the portal");
        assertEquals("done", page.awaitReplyEnd());
        assertEquals(DemoBackend.answerText(ChatRequest.of("hello from the portal")), page.storedLastReply());
        assertEquals("Demo reply", page.lastReply().findElement(By.cssSelector(".answer h2")).getText());
        List<String> refusedInFrame = browser.frameViolations();
        assertTrue(refusedInFrame.isEmpty(), "the chat's Content-Security-Policy refused: " + refusedInFrame);

        // closing from inside the chat hands the keyboard back to the launcher on the portal
        browser.driver.findElement(By.id("close-embed")).sendKeys(Keys.ENTER);
        browser.driver.switchTo().defaultContent();
        browser.await(d -> !panel.isDisplayed());
        assertEquals("false", launcher.getDomAttribute("aria-expanded"));
        assertEquals(Boolean.TRUE, browser.js("const h = document.querySelector('[data-chatstream]');"
                + " return h.shadowRoot.activeElement === h.shadowRoot.querySelector('button.launcher')"));
        List<String> refused = browser.policyViolations();
        assertTrue(refused.isEmpty(), "the chat's Content-Security-Policy refused: " + refused);
    }

    @Test
    void theWidgetCanOpenAtOnce() throws Exception {
        browser.driver.get(origin(intranet) + "/");
        assertEquals("ready", awaitState());
        SearchContext shadow = browser.driver.findElement(By.cssSelector("[data-chatstream]")).getShadowRoot();
        WebElement panel = shadow.findElement(By.cssSelector(".panel"));
        browser.await(d -> panel.isDisplayed());
        assertEquals("Close Ask IT", shadow.findElement(By.cssSelector("button.launcher")).getAccessibleName());
        assertEquals("rgba(15, 118, 110, 1)", shadow.findElement(By.cssSelector("button.launcher"))
                .getCssValue("background-color"), "data-color");

        browser.driver.switchTo().frame(panel.findElement(By.tagName("iframe")));
        ChatPage page = new ChatPage(browser);
        page.awaitReady();
        page.send("How do I reset my password?");
        assertEquals("done", page.awaitReplyEnd());
        browser.js("document.activeElement.blur()");
        browser.driver.switchTo().defaultContent();
        ScreenshotTest.save(browser, "chat-embed.png");
    }

    @Test
    void noWidgetOnAnOriginTheChatDoesNotAllow() {
        browser.driver.get(origin(stranger) + "/");
        assertEquals("unavailable", awaitState());
        assertTrue(browser.driver.findElements(By.cssSelector("[data-chatstream]")).isEmpty());
        assertTrue(browser.driver.findElements(By.tagName("iframe")).isEmpty());
    }
}
