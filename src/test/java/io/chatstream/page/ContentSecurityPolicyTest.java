package io.chatstream.page;

import com.sun.net.httpserver.HttpServer;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

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
 * The page, the connection test page and the embedded chat work in a real browser under the server's
 * Content-Security-Policy, with no refusal in any console; and a page of an origin the chat does not allow cannot
 * frame it (frame-ancestors).
 */
class ContentSecurityPolicyTest {

    private static HttpServer portal;
    private static HttpServer stranger;
    private static TestServer chat;
    private static Chromium browser;

    @BeforeAll
    static void start() throws Exception {
        Chromium.requireInstalled();
        portal = framingPage();
        stranger = framingPage();
        chat = TestServer.start(Map.of("chat.demo.tokens-per-second", "500",
                "chat.cors.allowed-origins", origin(portal)));
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
        for (HttpServer s : new HttpServer[] {portal, stranger}) {
            if (s != null) {
                s.stop(0);
            }
        }
    }

    private static String origin(HttpServer server) {
        return "http://localhost:" + server.getAddress().getPort();
    }

    /** A page at {@code /} of its own origin that frames the chat page directly, without embed.js. */
    private static HttpServer framingPage() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = ("<!doctype html><html><head><title>Framing</title></head><body>"
                    + "<iframe id=\"chat\" width=\"600\" height=\"500\" src=\"" + chat.uri("/?embed=1") + "\"></iframe>"
                    + "</body></html>").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html;charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    @Test
    void thePageRendersAReplyWithNoPolicyRefusal() {
        browser.consoleMessages();
        ChatPage page = new ChatPage(browser).openFresh(chat.uri("/"));
        page.send("Show me a code block");
        assertEquals("done", page.awaitReplyEnd());
        assertFalse(page.lastReply().findElements(By.cssSelector("pre code")).isEmpty(), "markdown and highlighting ran");
        assertEquals(List.of(), browser.frameViolations());
        List<String> refused = browser.policyViolations();
        assertTrue(refused.isEmpty(), "refused by the policy: " + refused);
    }

    @Test
    void theConnectionTestPageRunsWithNoPolicyRefusal() {
        browser.consoleMessages();
        browser.driver.get(chat.uri("/diagnostics.html?ticks=1&idle=0").toString());
        browser.driver.findElement(By.cssSelector("#diagnostics-form button[type=submit]")).click();
        browser.await(d -> "Done.".equals(d.findElement(By.id("diagnostics-status")).getText()));
        List<String> refused = browser.policyViolations();
        assertTrue(refused.isEmpty(), "refused by the policy: " + refused);
    }

    @Test
    void anAllowedOriginFramesTheChatAndItWorks() {
        browser.consoleMessages();
        browser.driver.get(origin(portal) + "/");
        browser.driver.switchTo().frame(browser.driver.findElement(By.id("chat")));
        try {
            ChatPage page = new ChatPage(browser);
            page.awaitReady();
            page.send("hello from a framing page");
            assertEquals("done", page.awaitReplyEnd());
            List<String> refusedInFrame = browser.frameViolations();
            assertTrue(refusedInFrame.isEmpty(), "refused in the frame: " + refusedInFrame);
        } finally {
            browser.driver.switchTo().defaultContent();
        }
        List<String> refused = browser.policyViolations();
        assertTrue(refused.isEmpty(), "refused by the policy: " + refused);
    }

    @Test
    void anOriginTheChatDoesNotAllowCannotFrameIt() {
        browser.consoleMessages();
        browser.driver.get(origin(stranger) + "/");
        List<String> refused = browser.await(d -> {
            List<String> r = browser.policyViolations();
            return r.isEmpty() ? null : r;
        });
        assertTrue(refused.stream().anyMatch(m -> m.contains("frame-ancestors")), refused.toString());
        browser.driver.switchTo().frame(browser.driver.findElement(By.id("chat")));
        try {
            assertTrue(browser.driver.findElements(By.id("prompt")).isEmpty(), "the chat is not shown");
        } finally {
            browser.driver.switchTo().defaultContent();
        }
    }
}
