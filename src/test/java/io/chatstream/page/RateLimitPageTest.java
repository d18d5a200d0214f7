package io.chatstream.page;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatstream.limits.ManualClock;
import io.chatstream.testing.TestServer;
import io.chatstream.web.ChatContextListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reply refused by a rate limit, in a real headless Chromium: the limit said in words, never the raw error, and a
 * Retry button that counts down to the moment the server takes the reply, then works. The server's window runs on
 * a manual clock; the page's countdown on the browser's.
 */
class RateLimitPageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RETRY_IN = Pattern.compile("Retry in (\\d+) s");
    private static final ManualClock CLOCK = new ManualClock(Instant.parse("2026-12-03T18:00:00Z"));
    private static TestServer server;
    private static Chromium browser;
    private static ChatPage page;

    @BeforeAll
    static void start() throws Exception {
        Chromium.requireInstalled();
        server = TestServer.start(Map.of("chat.demo.tokens-per-second", "1000",
                        "chat.limits.replies-per-minute", "2"),
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

    private WebElement notice() {
        return page.lastReply().findElement(By.cssSelector(".notice"));
    }

    private WebElement retryButton() {
        return notice().findElement(By.cssSelector("button[data-action=retry]"));
    }

    private int retryIn() {
        Matcher m = RETRY_IN.matcher(retryButton().getDomProperty("textContent"));
        assertTrue(m.find(), retryButton().getDomProperty("textContent"));
        return Integer.parseInt(m.group(1));
    }

    @Test
    void theLimitIsSaidInWordsAndRetryCountsDownToTheMomentItIsAccepted() throws Exception {
        page.openFresh(server.uri("/"));
        page.send("one");
        assertEquals("done", page.awaitReplyEnd());
        page.send("two");
        assertEquals("done", page.awaitReplyEnd(), () -> notice().getDomProperty("textContent"));
        page.send("three");
        assertEquals("error", page.awaitReplyEnd());

        String text = notice().findElement(By.cssSelector(".notice-text")).getDomProperty("textContent");
        assertTrue(text.matches("You have reached the limit of 2 replies a minute; try again in (60|59) s\\."), text);
        assertFalse(text.contains("rate_limited") || text.contains("429"), "no raw error: " + text);
        assertEquals("alert", notice().getDomAttribute("role"));
        assertFalse(retryButton().isEnabled(), "no retry before the wait is over");
        int first = retryIn();
        assertTrue(first == 60 || first == 59, "Retry in " + first + " s");
        browser.await(Duration.ofSeconds(5), d -> retryIn() < first ? true : null);
        assertFalse(retryButton().isEnabled());

        // the same refusal, stored by the page with six seconds left, as after a reload near the end of the wait (the
        // browser's clock is real: two seconds were once used up by the reload itself on a loaded machine)
        ObjectNode stored = (ObjectNode) JSON.readTree((String) browser.js(
                "return localStorage.getItem(arguments[0])", ChatPage.STORE_KEY));
        JsonNode messages = stored.get("messages");
        ObjectNode error = (ObjectNode) messages.get(messages.size() - 1).get("error");
        assertEquals("limited", error.get("kind").asText());
        error.put("retryAt", ((Number) browser.js("return Date.now()")).longValue() + 6000);
        page.openWith(server.uri("/"), JSON.writeValueAsString(stored));
        assertFalse(retryButton().isEnabled());
        CLOCK.advance(Duration.ofSeconds(60));
        browser.await(Duration.ofSeconds(15), d -> retryButton().isEnabled() ? true : null);
        assertEquals("Retry", retryButton().getDomProperty("textContent").trim());
        retryButton().sendKeys(Keys.ENTER);
        assertEquals("done", page.awaitReplyEnd(), "accepted once the wait was over");
    }

    @Test
    void aSpentDayIsSaidInWordsWithTheWaitUntilMidnightUtc() throws Exception {
        try (TestServer daily = TestServer.start(Map.of("chat.demo.tokens-per-second", "1000",
                "chat.limits.tokens-per-day", "1"),
                webapp -> webapp.setAttribute(ChatContextListener.CLOCK_ATTRIBUTE, CLOCK))) {
            page.openFresh(daily.uri("/"));
            page.send("one");
            assertEquals("done", page.awaitReplyEnd(), "under way, a reply is never cut by the day's quota");
            page.send("two");
            assertEquals("error", page.awaitReplyEnd());
            String text = notice().findElement(By.cssSelector(".notice-text")).getDomProperty("textContent");
            assertEquals("Today's allowance is used up; it renews at 00:00 UTC.", text);
            String label = retryButton().getDomProperty("textContent").trim();
            long hours = Duration.between(CLOCK.instant(), Instant.parse("2026-12-04T00:00:00Z")).toHours();
            assertTrue(label.matches("Retry in " + (hours - 1) + " h 5\\d min|Retry in " + hours + " h"),
                    "counts down to 00:00 UTC on the server's clock: " + label);
            assertFalse(retryButton().isEnabled());
        }
    }
}
