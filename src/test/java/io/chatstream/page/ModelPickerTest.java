package io.chatstream.page;

import io.chatstream.testing.SseParser;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model picker in a real headless Chromium: shown with the models of a backend that lists several
 * ({@code models-test}, test class path only), the chosen one sent and remembered after a reload; hidden with one
 * model, and hidden when the server cannot list.
 */
class ModelPickerTest {

    private static TestServer several;
    private static Chromium browser;
    private static ChatPage page;

    @BeforeAll
    static void start() throws Exception {
        Chromium.requireInstalled();
        several = TestServer.start(Map.of("chat.backend", "models-test", "chat.demo.tokens-per-second", "1000",
                "chat.models-test.models", "model-a,model-b,model-c"));
        browser = Chromium.start();
        page = new ChatPage(browser);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (several != null) {
            several.close();
        }
    }

    private static String pickerState() {
        return browser.await(d -> (String) browser.js(
                "return document.getElementById('model-picker').dataset.state || null"));
    }

    private static WebElement select() {
        return browser.driver.findElement(By.id("model"));
    }

    /** The {@code model} of the last reply's {@code start} event, as the server replays the stream. */
    private static String startedModel(TestServer server) throws Exception {
        String streamId = page.stored().get(page.stored().size() - 1).path("streamId").asText(null);
        String stored = page.stored().get(page.stored().size() - 1).path("model").asText();
        if (streamId == null) {
            return stored;
        }
        List<SseParser.Frame> frames = PageTesting.replay(server, streamId);
        String replayed = frames.get(0).data().replaceAll(".*\"model\":\"([^\"]*)\".*", "$1");
        assertEquals(replayed, stored, "the page keeps the model its stream started with");
        return replayed;
    }

    @Test
    void theChosenModelIsSentAndRememberedAfterAReload() throws Exception {
        page.openFresh(several.uri("/"));
        assertEquals("shown", pickerState());
        Select models = new Select(select());
        assertEquals(List.of("model-a (default)", "model-b", "model-c"),
                models.getOptions().stream().map(WebElement::getText).toList());
        assertEquals("model-a", models.getFirstSelectedOption().getDomAttribute("value"), "the default first");
        assertEquals("Model", browser.js("return document.getElementById('model').labels[0].textContent"),
                "a labelled select");

        models.selectByValue("model-c");
        page.send("which model?");
        assertEquals("done", page.awaitReplyEnd());
        assertEquals("model-c", startedModel(several));

        browser.driver.navigate().refresh();
        page.awaitReady();
        assertEquals("shown", pickerState());
        assertEquals("model-c", new Select(select()).getFirstSelectedOption().getDomAttribute("value"),
                "the choice is remembered in this browser");
        page.send("and now?");
        assertEquals("done", page.awaitReplyEnd());
        assertEquals("model-c", startedModel(several));

        new Select(select()).selectByValue("model-a");
        page.send("back to the default");
        assertEquals("done", page.awaitReplyEnd());
        assertEquals("model-a", startedModel(several));
    }

    @Test
    void aStoredChoiceTheServerNoLongerListsFallsBackToTheDefault() {
        page.openFresh(several.uri("/"));
        browser.js("localStorage.setItem('chatstream:model:/', 'model-gone')");
        browser.driver.navigate().refresh();
        page.awaitReady();
        assertEquals("shown", pickerState());
        assertEquals("model-a", new Select(select()).getFirstSelectedOption().getDomAttribute("value"));
    }

    @Test
    void thePickerFitsAPhoneScreenInTheDarkToo() {
        page.openFresh(several.uri("/"));
        browser.phone(360, 740);
        browser.colorScheme("dark");
        try {
            page.open(several.uri("/"));
            assertEquals("shown", pickerState());
            Map<?, ?> box = (Map<?, ?>) browser.js("const t = document.querySelector('.topbar');"
                    + "const s = document.getElementById('model').getBoundingClientRect();"
                    + "const n = document.getElementById('new-chat').getBoundingClientRect();"
                    + "return {overflow: t.scrollWidth > t.clientWidth, selectRight: s.right, newLeft: n.left,"
                    + " newRight: n.right, width: document.documentElement.clientWidth, height: s.height,"
                    + " color: getComputedStyle(document.getElementById('model')).color};");
            assertEquals(false, box.get("overflow"), "the top bar does not overflow: " + box);
            assertTrue(((Number) box.get("selectRight")).doubleValue() <= ((Number) box.get("newLeft")).doubleValue(),
                    "the picker sits before New chat: " + box);
            assertTrue(((Number) box.get("newRight")).doubleValue() <= ((Number) box.get("width")).doubleValue(),
                    "New chat stays on screen: " + box);
            assertTrue(((Number) box.get("height")).doubleValue() >= 28, "a usable touch target: " + box);
            assertEquals("rgb(232, 233, 237)", box.get("color"), "the dark theme's text colour");
        } finally {
            browser.colorScheme("light");
            browser.driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        }
    }

    @Test
    void withOneModelThePickerStaysHiddenAndNoModelIsSent() throws Exception {
        try (TestServer demo = TestServer.fastDemo()) {
            page.openFresh(demo.uri("/"));
            browser.js("localStorage.setItem('chatstream:model:/', 'model-c')"); // left by another server
            browser.driver.navigate().refresh();
            page.awaitReady();
            assertEquals("single", pickerState());
            assertFalse(select().isDisplayed());
            page.send("hello");
            assertEquals("done", page.awaitReplyEnd());
            assertEquals("demo", startedModel(demo));
        }
    }

    @Test
    void whenTheServerCannotListThePickerIsHiddenAndChatStillWorks() throws Exception {
        try (TestServer failing = TestServer.start(Map.of("chat.backend", "models-test",
                "chat.demo.tokens-per-second", "1000", "chat.models-test.listing", "fail"))) {
            page.openFresh(failing.uri("/"));
            assertEquals("unavailable", pickerState());
            assertFalse(select().isDisplayed());
            assertTrue(browser.driver.findElements(By.cssSelector("[role=alert]")).isEmpty(), "no error shown");
            page.send("hello");
            assertEquals("done", page.awaitReplyEnd());
            assertEquals("model-a", startedModel(failing), "the server's default");
        }
    }
}
