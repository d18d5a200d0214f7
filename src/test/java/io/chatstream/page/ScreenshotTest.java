package io.chatstream.page;

import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.OutputType;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page in light and dark, on a desktop and at phone width: the colours follow the system, nothing overflows
 * sideways on a phone, and each state is saved as a PNG in {@code target/screenshots}.
 *
 * <p>To refresh the README's screenshots:
 * {@code mvn test -Dtest=ScreenshotTest -Dchat.screenshots.dir=src/site/screenshots}
 */
class ScreenshotTest {

    static final String PROMPT = "Explain server-sent events in three sentences.";
    private static TestServer server;

    @BeforeAll
    static void startServer() throws Exception {
        Chromium.requireInstalled();
        server = TestServer.start(Map.of("chat.demo.tokens-per-second", "400"));
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void lightDesktop() throws Exception {
        shoot("chat-light.png", 1280, 860, "light", false);
    }

    @Test
    void darkDesktop() throws Exception {
        shoot("chat-dark.png", 1280, 860, "dark", false);
    }

    @Test
    void phone() throws Exception {
        shoot("chat-phone.png", 390, 844, "light", true);
    }

    @Test
    void phoneDark() throws Exception {
        shoot("chat-phone-dark.png", 390, 844, "dark", true);
    }

    @Test
    void emptyPhone() throws Exception {
        try (Chromium browser = Chromium.start()) {
            browser.phone(390, 844);
            browser.colorScheme("light");
            new ChatPage(browser).open(server.uri("/"));
            assertNoSidewaysScroll(browser);
            save(browser, "chat-empty-phone.png");
        }
    }

    private void shoot(String name, int width, int height, String scheme, boolean phone) throws Exception {
        try (Chromium browser = Chromium.start(width, height)) {
            if (phone) {
                browser.phone(width, height);
            }
            browser.colorScheme(scheme);
            ChatPage page = new ChatPage(browser).open(server.uri("/"));
            page.send(PROMPT);
            assertEquals("done", page.awaitReplyEnd());
            browser.js("document.activeElement.blur()");
            double luminance = ((Number) browser.js("const c = getComputedStyle(document.body).backgroundColor"
                    + ".match(/\\d+/g).map(Number); return (0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]) / 255;"))
                    .doubleValue();
            assertTrue(scheme.equals("dark") ? luminance < 0.2 : luminance > 0.9,
                    "background luminance " + luminance + " for " + scheme);
            if (phone) {
                assertNoSidewaysScroll(browser);
            }
            save(browser, name);
        }
    }

    private static void assertNoSidewaysScroll(Chromium browser) {
        Number overflow = (Number) browser.js("return Math.max(document.documentElement.scrollWidth,"
                + " document.getElementById('conversation').scrollWidth) - window.innerWidth");
        assertTrue(overflow.intValue() <= 0, "the page is wider than the phone by " + overflow + " px");
    }

    static void save(Chromium browser, String name) throws IOException {
        byte[] png = browser.driver.getScreenshotAs(OutputType.BYTES);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertTrue(image.getWidth() > 300 && image.getHeight() > 300, "screenshot size");
        Path dir = Path.of(System.getProperty("chat.screenshots.dir", "target/screenshots"));
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), png);
    }
}
