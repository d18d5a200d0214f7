package io.chatstream.page;

import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.demo.DemoBackend;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reply survives what happens to connections: cut mid-reply (through a proxy that resets them), a POST whose
 * response never arrives, a reload of the page. Each time the final text is exactly the demo's answer, shown once,
 * from one generation on the server.
 */
class ResumeTest {

    private static TestServer server;
    private static Chromium browser;
    private static ChatPage page;
    private CuttingProxy proxy;
    private int streamsBefore;

    @BeforeAll
    static void start() throws Exception {
        Chromium.requireInstalled();
        // slow enough that two cuts and their resumes fit in one reply on a busy machine (about five seconds a reply)
        server = TestServer.start(Map.of("chat.demo.tokens-per-second", "25", "chat.sse.retry-millis", "200"));
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
    void openThroughProxy() throws Exception {
        proxy = new CuttingProxy(server.port());
        page.openFresh(proxy.uri("/"));
        streamsBefore = PageTesting.streamsHeld(server);
    }

    @AfterEach
    void closeProxy() throws Exception {
        proxy.close();
    }

    private static String answer(String prompt) {
        return DemoBackend.answerText(ChatRequest.of(prompt));
    }

    private void awaitShown(String text) {
        browser.await(d -> {
            String shown = page.shownLastReply();
            return shown != null && shown.contains(text) && "streaming".equals(page.lastReplyStatus());
        });
    }

    /** The seq of the last {@code Last-Event-ID} the browser sent for a stream, or -1. */
    private int lastResumedSeq() {
        Matcher m = Pattern.compile("(?i)Last-Event-ID: [A-Za-z0-9_-]+:(\\d+)").matcher(proxy.requests());
        int seq = -1;
        while (m.find()) {
            seq = Integer.parseInt(m.group(1));
        }
        return seq;
    }

    private void assertWholeReplyOnce(String prompt) throws Exception {
        assertEquals("done", page.awaitReplyEnd());
        assertEquals(answer(prompt), page.storedLastReply(), "the stored reply is exactly the answer");
        assertEquals(1, page.replies().size());
        assertEquals(1, browser.driver.findElements(By.cssSelector("#messages .answer h2")).size());
        assertEquals(3, browser.driver.findElements(By.cssSelector("#messages .answer ul > li")).size());
        assertEquals(1, browser.driver.findElements(By.cssSelector("#messages .answer .code-block")).size());
        assertEquals(streamsBefore + 1, PageTesting.streamsHeld(server), "one generation on the server");
    }

    @Test
    void aConnectionCutMidReplyResumesWithNothingLostOrDoubled() throws Exception {
        String prompt = "cut me off twice";
        page.send(prompt);
        awaitShown("You wrote");
        assertTrue(proxy.cutAll() > 0);

        // resumed after the event it had; then cut again, later in the reply
        browser.await(d -> lastResumedSeq() > 0);
        awaitShown("What a real backend");
        int firstResume = lastResumedSeq();
        assertTrue(proxy.cutAll() > 0);
        browser.await(d -> lastResumedSeq() > firstResume);

        assertWholeReplyOnce(prompt);
        assertTrue(proxy.requests().contains("GET /api/chat/streams/"), "resumed on the stream's own URL");
    }

    @Test
    void aPostWhoseResponseIsLostAttachesToTheSameGeneration() throws Exception {
        String prompt = "the first answer never arrives";
        proxy.dropNextPostResponse();
        page.send(prompt);

        assertWholeReplyOnce(prompt);
        Matcher keys = Pattern.compile("(?i)Idempotency-Key: (\\S+)").matcher(proxy.requests());
        assertTrue(keys.find());
        String key = keys.group(1);
        assertTrue(keys.find(), "the POST was sent again");
        assertEquals(key, keys.group(1), "with the same Idempotency-Key");
    }

    @Test
    void aReloadMidReplyPicksTheReplyUpAgain() throws Exception {
        String prompt = "reload while you write";
        page.send(prompt);
        awaitShown("You wrote");

        browser.driver.navigate().refresh();
        page.awaitReady();
        assertTrue(page.shownLastReply().contains("Demo reply"), "what had arrived is shown at once");
        assertWholeReplyOnce(prompt);
        assertTrue(lastResumedSeq() > 0, "the reloaded page resumed after the events it had stored");
    }
}
