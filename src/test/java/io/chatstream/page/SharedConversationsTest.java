package io.chatstream.page;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.testing.TestServer;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.util.security.Password;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One person signed in (the container's login, {@code chat.auth.mode=container}) in two browsers, as on a laptop
 * and a phone: both list the same conversations, and the second one, opening a conversation whose reply the first
 * one is still receiving, attaches to that reply's stream and shows it growing to the same end. Another person sees
 * none of it. The browsers sign in by sending the login with every request (DevTools' extra headers), as a
 * browser does once the person has typed it.
 */
class SharedConversationsTest {

    private static TestServer server;
    private static Chromium laptop;
    private static Chromium phone;
    private static Chromium stranger;

    @BeforeAll
    static void start() throws Exception {
        Chromium.requireInstalled();
        Path dir = Files.createTempDirectory("chat-page-shared");
        // a slow demo: a reply takes about five seconds, time for the second browser to join it on a busy machine
        server = TestServer.start(Map.of("chat.auth.mode", "container", "chat.store.url", "embedded",
                "chat.store.dir", dir.toString(), "chat.demo.tokens-per-second", "25",
                "chat.demo.reply-tokens", "120"), SharedConversationsTest::portalLogin);
        laptop = signedIn("alice");
        phone = signedIn("alice");
        stranger = signedIn("bob");
    }

    @AfterAll
    static void stop() throws Exception {
        for (Chromium b : new Chromium[] {laptop, phone, stranger}) {
            if (b != null) {
                b.close();
            }
        }
        if (server != null) {
            server.close();
        }
    }

    /** Users alice and bob in the container's own user store, HTTP Basic; the API itself asks for the user. */
    private static void portalLogin(WebAppContext webapp) {
        UserStore users = new UserStore();
        users.addUser("alice", new Password("alice-secret"), new String[] {"chat"});
        users.addUser("bob", new Password("bob-secret"), new String[] {"chat"});
        HashLoginService login = new HashLoginService("portal");
        login.setUserStore(users);
        ConstraintSecurityHandler security = (ConstraintSecurityHandler) webapp.getSecurityHandler();
        security.setLoginService(login);
        security.setAuthenticator(new BasicAuthenticator());
    }

    private static Chromium signedIn(String user) throws Exception {
        Chromium browser = Chromium.start();
        String basic = "Basic " + Base64.getEncoder().encodeToString(
                (user + ":" + user + "-secret").getBytes(StandardCharsets.UTF_8));
        browser.driver.executeCdpCommand("Network.enable", Map.of());
        browser.driver.executeCdpCommand("Network.setExtraHTTPHeaders",
                Map.of("headers", Map.of("Authorization", basic)));
        return browser;
    }

    @Test
    void twoBrowsersOfOnePersonShareTheListAndAReplyInProgress() {
        ConversationsPage a = new ConversationsPage(laptop);
        ConversationsPage b = new ConversationsPage(phone);
        a.open(server.uri("/").toString());
        a.sendAndWait("written on the laptop");
        String finished = a.urlId();

        b.open(server.uri("/").toString());
        assertEquals(List.of("written on the laptop"), b.titles(), "the same list on the other device");

        // the laptop starts a reply; the phone opens the conversation while it is being written
        laptop.driver.findElement(By.id("sidebar-new")).click();
        a.chat.send("still being written");
        String running = laptop.await(d -> {
            String id = a.urlId();
            return id != null && !id.equals(finished) && "streaming".equals(a.chat.lastReplyStatus())
                    && a.chat.shownLastReply().length() > 0 ? id : null;
        });
        phone.driver.navigate().refresh();
        b.chat.awaitReady();
        b.awaitList();
        assertEquals(List.of("still being written", "written on the laptop"), b.titles());
        b.entry("still being written").findElement(By.cssSelector("a")).click();

        int seen = phone.await(d -> {
            String status = b.chat.lastReplyStatus();
            String shown = b.chat.shownLastReply();
            return "streaming".equals(status) && shown != null && !shown.isEmpty() ? shown.length() : null;
        });
        phone.await(d -> b.chat.shownLastReply().length() > seen); // the phone shows the reply growing
        assertEquals("done", b.chat.awaitReplyEnd(Duration.ofSeconds(20)));
        assertEquals("done", a.chat.awaitReplyEnd(Duration.ofSeconds(20)));
        assertEquals(running, b.urlId());
        assertEquals(a.chat.shownLastReply(), b.chat.shownLastReply(), "the same reply on both");
        JsonNode saved = b.conversation(running).path("messages");
        assertEquals(2, saved.size());
        assertEquals("done", saved.get(1).path("status").asText());
        phone.driver.navigate().refresh();
        b.chat.awaitReady();
        phone.await(d -> "done".equals(b.chat.lastReplyStatus()));
        assertEquals(a.chat.shownLastReply(), b.chat.shownLastReply(), "the server saved what was shown");
        assertTrue(laptop.policyViolations().isEmpty() && phone.policyViolations().isEmpty());

        ConversationsPage other = new ConversationsPage(stranger);
        other.open(server.uri("/").toString());
        assertEquals(List.of(), other.titles(), "another person sees none of them");
        other.open(server.uri("/#c=" + running).toString());
        stranger.await(d -> d.findElement(By.id("missing")).isDisplayed());
    }
}
