package io.chatstream.page;

import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.demo.DemoBackend;
import io.chatstream.dev.DevServer;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page mounted at {@code /chat}, as {@code chat.war} is in a container: its scripts, styles, WebJars and API
 * calls all go through the context path, and its conversation is stored under it.
 */
class ContextPathTest {

    @Test
    void thePageWorksUnderAContextPath() throws Exception {
        Chromium.requireInstalled();
        Server server = DevServer.newServer("127.0.0.1", 0, Path.of("").toAbsolutePath(),
                Map.of("chat.demo.tokens-per-second", "500", "chat.store.url", "off"));
        DevServer.webapp(server).setContextPath("/chat");
        server.start();
        try (Chromium browser = Chromium.start()) {
            String base = "http://127.0.0.1:" + DevServer.port(server) + "/chat/";
            browser.driver.get(base);
            ChatPage page = new ChatPage(browser);
            page.awaitReady();
            assertEquals("/chat", browser.driver.findElement(By.tagName("body")).getDomAttribute("data-context-path"));
            assertTrue(browser.driver.findElement(By.cssSelector("link[href$='chat.css']")).getDomAttribute("href")
                    .startsWith("/chat/assets/"));

            page.send("under a context path");
            assertEquals("done", page.awaitReplyEnd());
            assertEquals("java", browser.driver.findElement(By.cssSelector(".code-lang")).getText(),
                    "highlight.js loaded from /chat/webjars");
            Object stored = browser.js("return JSON.parse(localStorage.getItem('chatstream:conversation:/chat'))"
                    + ".messages[1].content");
            assertNotNull(stored);
            assertEquals(DemoBackend.answerText(ChatRequest.of("under a context path")), stored);
        } finally {
            DevServer.stop(server);
        }
    }
}
