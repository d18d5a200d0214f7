package io.chatstream.page;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/** The chat page as its tests see it: open, type, send, wait for a reply, read what was shown and stored. */
final class ChatPage {

    /** The localStorage key of the conversation at context path {@code /}. */
    static final String STORE_KEY = "chatstream:conversation:/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Chromium browser;

    ChatPage(Chromium browser) {
        this.browser = browser;
    }

    /** Opens the page and waits until its script has started. */
    ChatPage open(URI uri) {
        browser.driver.get(uri.toString());
        awaitReady();
        return this;
    }

    void awaitReady() {
        browser.await(d -> "true".equals(browser.js("return document.documentElement.dataset.ready")));
    }

    /**
     * Opens the page on {@code uri} with nothing stored. The storage is cleared from another page of the same
     * origin: the chat page itself saves its conversation again when it is left.
     */
    ChatPage openFresh(URI uri) {
        return openWith(uri, null);
    }

    /** Opens the page on {@code uri} with this conversation stored (JSON of the page's store), or none. */
    ChatPage openWith(URI uri, String storedJson) {
        browser.driver.get(uri.resolve("api/health").toString());
        browser.js("localStorage.clear(); if (arguments[1]) localStorage.setItem(arguments[0], arguments[1]);",
                STORE_KEY, storedJson);
        return open(uri);
    }

    WebElement prompt() {
        return browser.driver.findElement(By.id("prompt"));
    }

    WebElement sendButton() {
        return browser.driver.findElement(By.id("send"));
    }

    WebElement stopButton() {
        return browser.driver.findElement(By.id("stop"));
    }

    /** Types {@code text} and presses Enter. */
    void send(String text) {
        WebElement prompt = prompt();
        prompt.sendKeys(text);
        prompt.sendKeys(Keys.ENTER);
    }

    /**
     * Puts {@code text} in the message box at once, as a paste does, then sends it with Enter: typing a few thousand
     * characters key by key takes the driver seconds.
     */
    void pasteAndSend(String text) {
        WebElement prompt = prompt();
        browser.js("arguments[0].value = arguments[1];"
                + " arguments[0].dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'insertFromPaste'}));",
                prompt, text);
        prompt.sendKeys(Keys.ENTER);
    }

    List<WebElement> replies() {
        return browser.driver.findElements(By.cssSelector("#messages article.msg-assistant"));
    }

    List<WebElement> articles() {
        return browser.driver.findElements(By.cssSelector("#messages article"));
    }

    WebElement lastReply() {
        List<WebElement> replies = replies();
        if (replies.isEmpty()) {
            throw new AssertionError("no reply on the page");
        }
        return replies.get(replies.size() - 1);
    }

    String lastReplyStatus() {
        List<WebElement> replies = replies();
        return replies.isEmpty() ? null : replies.get(replies.size() - 1).getDomAttribute("data-status");
    }

    /** Waits until the last reply is no longer streaming; returns its status. */
    String awaitReplyEnd(Duration timeout) {
        return browser.await(timeout, d -> {
            String status = lastReplyStatus();
            return status != null && !status.equals("streaming") ? status : null;
        });
    }

    String awaitReplyEnd() {
        return awaitReplyEnd(Duration.ofSeconds(20));
    }

    /** The conversation as stored in localStorage. */
    JsonNode stored() {
        Object raw = browser.js("return localStorage.getItem(arguments[0])", STORE_KEY);
        try {
            return raw == null ? JSON.createArrayNode() : JSON.readTree((String) raw).get("messages");
        } catch (Exception e) {
            throw new AssertionError("stored conversation is not JSON: " + raw, e);
        }
    }

    /** The stored text of the last reply, the source of what is shown. */
    String storedLastReply() {
        JsonNode messages = stored();
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).path("role").asText().equals("assistant")) {
                return messages.get(i).path("content").asText();
            }
        }
        return null;
    }

    /** The rendered answer (markdown) of the last reply, as text. */
    String shownLastReply() {
        return (String) browser.js("const r = [...document.querySelectorAll('#messages article.msg-assistant')].pop();"
                + " return r ? r.querySelector('.answer').textContent : null;");
    }
}
