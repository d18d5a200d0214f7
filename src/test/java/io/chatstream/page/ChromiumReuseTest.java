package io.chatstream.page;

import com.sun.net.httpserver.HttpServer;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A browser handed back by one test reaches the next as a fresh one would: what the page tests would otherwise
 * inherit from each other (storage, cookies, an emulated screen or colour scheme, extra headers, the window) is gone.
 */
class ChromiumReuseTest {

    private static TestServer server;
    /** Answers with the X-Left header of the request it got. */
    private static HttpServer echo;

    @BeforeAll
    static void start() throws Exception {
        Chromium.requireInstalled();
        server = TestServer.fastDemo();
        echo = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        echo.createContext("/", exchange -> {
            byte[] body = ("X-Left: " + exchange.getRequestHeaders().getFirst("X-Left"))
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        echo.start();
    }

    @AfterAll
    static void stop() {
        if (echo != null) {
            echo.stop(0);
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aBrowserHandedBackIsWipedBeforeItsNextUse() throws Exception {
        Chromium first = Chromium.start(1280, 900);
        first.driver.get(server.uri("/").toString());
        first.js("localStorage.setItem('left', 'behind'); sessionStorage.setItem('left', 'behind');"
                + " document.cookie = 'left=behind; max-age=3600';");
        first.phone(390, 844);
        first.colorScheme("dark");
        first.driver.executeCdpCommand("Network.enable", Map.of());
        first.driver.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("X-Left", "behind")));
        first.driver.get(echoUrl());
        assertEquals("X-Left: behind", first.driver.findElement(By.tagName("body")).getText());
        first.driver.get(server.uri("/").toString());
        assertEquals("behind", first.js("return localStorage.getItem('left')"));
        first.close();

        Chromium second = Chromium.start(900, 700);
        try {
            assertSame(first, second, "the browser is kept for the next test");
            assertEquals("about:blank", second.driver.getCurrentUrl(), "the last test's page is left");
            second.driver.get(server.uri("/").toString());
            assertNull(second.js("return localStorage.getItem('left')"));
            assertNull(second.js("return sessionStorage.getItem('left')"));
            assertFalse(((String) second.js("return document.cookie")).contains("left"));
            assertFalse((Boolean) second.js("return matchMedia('(prefers-color-scheme: dark)').matches"));
            long width = (Long) second.js("return window.innerWidth");
            assertTrue(width > 800 && width <= 900, "the window asked for, not the phone: " + width);
            assertEquals(1.0, ((Number) second.js("return window.devicePixelRatio")).doubleValue());
            second.driver.get(echoUrl());
            assertEquals("X-Left: null", second.driver.findElement(By.tagName("body")).getText());
        } finally {
            second.close();
        }
    }

    private static String echoUrl() {
        return "http://127.0.0.1:" + echo.getAddress().getPort() + "/";
    }
}
