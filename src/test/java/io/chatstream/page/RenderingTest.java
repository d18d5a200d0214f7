package io.chatstream.page;

import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.demo.DemoBackend;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fast reply (a thousand tokens a second) is rendered once per frame, not once per token, and still ends with
 * exactly its text.
 */
class RenderingTest {

    private static final int TOKENS = 1000;

    @Test
    void rendersAtMostOncePerFrameHoweverFastTokensCome() throws Exception {
        Chromium.requireInstalled();
        try (TestServer server = TestServer.start(Map.of("chat.demo.tokens-per-second", "1000",
                "chat.demo.reply-tokens", String.valueOf(TOKENS)));
             Chromium browser = Chromium.start()) {
            ChatPage page = new ChatPage(browser).openFresh(server.uri("/"));
            // every render replaces the changed blocks: count the blocks put into the answer
            browser.js("window.__blocks = 0; new MutationObserver(records => { for (const r of records)"
                    + " for (const n of r.addedNodes) if (n.classList && n.classList.contains('md-block'))"
                    + " __blocks++; }).observe(document.getElementById('messages'), {subtree: true, childList: true});");
            page.send("fast");
            assertEquals("done", page.awaitReplyEnd());

            List<String> natural = DemoBackend.tokens(DemoBackend.answerText(ChatRequest.of("fast")));
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < TOKENS; i++) {
                expected.append(natural.get(i % natural.size()));
            }
            assertEquals(expected.toString(), page.storedLastReply());
            long blocks = ((Number) browser.js("return window.__blocks")).longValue();
            long finalBlocks = ((Number) browser.js(
                    "return document.querySelectorAll('#messages .answer > .md-block').length")).longValue();
            // a render per token would replace the growing block once per token
            long rerendered = blocks - finalBlocks;
            assertTrue(rerendered < TOKENS / 4, rerendered + " blocks re-rendered for " + TOKENS + " tokens");
        }
    }
}
