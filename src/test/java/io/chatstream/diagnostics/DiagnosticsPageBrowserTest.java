package io.chatstream.diagnostics;

import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The connection test page in a real headless Chromium, as an operator runs it: straight to the server, then
 * through a proxy that buffers responses, then through one that cuts silent connections. Each time the page must
 * say what happened.
 */
class DiagnosticsPageBrowserTest {

    private static TestServer server;
    private static HeadlessChromium browser;

    @BeforeAll
    static void start() throws Exception {
        Path chromium = HeadlessChromium.find();
        if (chromium == null && HeadlessChromium.required()) {
            fail("Chromium is not installed (CI installs it, see .ci/run)");
        }
        assumeTrue(chromium != null, "Chromium is not installed");
        server = TestServer.start(Map.of());
        browser = HeadlessChromium.start(chromium);
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

    /** Opens the page at {@code page}, presets 3 ticks and {@code idle} seconds, runs it, returns the verdicts. */
    private static Map<String, String> run(URI page, int idle) throws Exception {
        browser.open(URI.create(page + "?ticks=3&idle=" + idle));
        browser.eval("document.querySelector('#diagnostics-form button[type=submit]').click()");
        browser.await("document.getElementById('diagnostics-status').textContent === 'Done.'",
                Duration.ofSeconds(30));
        return Map.of(
                "buffering", browser.eval("document.getElementById('verdict-buffering').className").asText() + ": "
                        + browser.eval("document.getElementById('verdict-buffering').textContent").asText(),
                "idle", browser.eval("document.getElementById('verdict-idle').className").asText() + ": "
                        + browser.eval("document.getElementById('verdict-idle').textContent").asText());
    }

    @Test
    void straightToTheServerNothingBuffersAndNothingCuts() throws Exception {
        Map<String, String> v = run(server.uri("/diagnostics.html"), 2);
        assertTrue(v.get("buffering").startsWith("verdict ok: No buffering: the 3 ticks arrived one by one"), v.toString());
        assertEquals("verdict ok: A silence of 2 s did not cut the connection. The server sends its keep-alive every"
                + " 15 s (chat.sse.keepalive-seconds).", v.get("idle"));
    }

    @Test
    void aBufferingProxyIsCaught() throws Exception {
        try (MeddlingProxy proxy = new MeddlingProxy(server.port(), MeddlingProxy.Mode.BUFFER, 0)) {
            Map<String, String> v = run(proxy.uri("/diagnostics.html"), 2);
            assertTrue(v.get("buffering").startsWith("verdict bad: Something holds the whole response back until it"
                    + " ends"), v.toString());
        }
    }

    @Test
    void aProxyThatCutsSilentConnectionsIsCaughtWithItsTimeout() throws Exception {
        try (MeddlingProxy proxy = new MeddlingProxy(server.port(), MeddlingProxy.Mode.CUT, 2500)) {
            Map<String, String> v = run(proxy.uri("/diagnostics.html"), 6);
            assertTrue(v.get("buffering").startsWith("verdict ok: No buffering"), v.toString());
            assertTrue(v.get("idle").matches("verdict bad: Something cut the connection after about [23]\\.\\d s"
                    + " without data.* Set chat.sse.keepalive-seconds to 1,.*"), v.toString());
        }
    }
}
