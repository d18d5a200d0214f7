package io.chatstream.page;

import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.demo.DemoBackend;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page's protocol modules, run in the browser that runs them for users: the event-stream parser
 * ({@code assets/sse.js}) over every corner of the format and every split of the bytes, and the reply client
 * ({@code assets/client.js}) against a scripted {@code fetch}: resume, replay skipping, 204, 404, retries, stop;
 * and the reply view ({@code assets/views.js}) through the states of a tool call.
 * The cases are in {@code src/test/resources/io/chatstream/page/}.
 */
class ClientModulesTest {

    private static TestServer server;
    private static Chromium browser;

    @BeforeAll
    static void start() throws Exception {
        Chromium.requireInstalled();
        server = TestServer.fastDemo();
        browser = Chromium.start();
        browser.driver.get(server.uri("/api/health").toString());
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

    private static String resource(String name) throws IOException {
        try (InputStream in = ClientModulesTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theParserGivesTheSameEventsForAnySplitOfTheBytes() throws Exception {
        String prompt = "split me: 世界 😀\r\nand a second line";
        HttpResponse<String> real = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri(
                "/api/chat?prompt=" + java.net.URLEncoder.encode(prompt, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(200, real.statusCode());

        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) browser.asyncJs(resource("sse-parser-cases.js"),
                server.uri("/assets/sse.js").toString(), real.body());
        assertEquals(List.of(), result.get("failures"));
        assertEquals(DemoBackend.answerText(ChatRequest.of(prompt)), result.get("answer"));
        assertTrue(((Number) result.get("count")).intValue() > 20);
    }

    @Test
    void theReplyClientResumesSkipsReplaysAndEndsExactlyOnce() throws Exception {
        Object failures = browser.asyncJs(resource("reply-stream-cases.js"), server.uri("/assets/client.js")
                .toString());
        assertEquals(List.of(), failures);
    }

    @Test
    void aToolRowIsRunningWhileItsReplyGoesOnRequestedAfterItAndDoneWithItsResultAsText() throws Exception {
        try {
            browser.driver.get(server.uri("/").toString());
            browser.await(d -> "true".equals(browser.js("return document.documentElement.dataset.ready")));
            Object failures = browser.asyncJs(resource("tool-rows-cases.js"), server.uri("/assets/views.js")
                    .toString());
            assertEquals(List.of(), failures);
        } finally {
            browser.driver.get(server.uri("/api/health").toString());
        }
    }
}
