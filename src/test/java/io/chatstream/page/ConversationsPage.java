package io.chatstream.page;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.util.List;

/**
 * The chat page with conversations kept on the server, as its tests see it: the sidebar's entries, the
 * conversation in the URL, the versions of a message, and the API called from inside the page (with its cookie or
 * login) to see what the server holds.
 */
final class ConversationsPage {

    private static final ObjectMapper JSON = new ObjectMapper();

    final Chromium browser;
    final ChatPage chat;

    ConversationsPage(Chromium browser) {
        this.browser = browser;
        this.chat = new ChatPage(browser);
    }

    /** Opens {@code uri} and waits for the list's first page. */
    void open(String uri) {
        browser.driver.get(uri);
        chat.awaitReady();
        awaitList();
    }

    void awaitList() {
        browser.await(d -> "ready".equals(browser.js("return document.getElementById('sidebar').dataset.state")));
    }

    /** The titles in the sidebar, top to bottom (pinned first). */
    @SuppressWarnings("unchecked")
    List<String> titles() {
        return (List<String>) browser.js("return [...document.querySelectorAll('#sidebar li.conv .conv-title')]"
                + ".map(t => t.textContent)");
    }

    @SuppressWarnings("unchecked")
    List<String> pinnedTitles() {
        return (List<String>) browser.js("return [...document.querySelectorAll('#conv-pinned-list .conv-title')]"
                + ".map(t => t.textContent)");
    }

    WebElement entry(String title) {
        for (WebElement li : browser.driver.findElements(By.cssSelector("#sidebar li.conv"))) {
            // textContent, not getText: a drawer still sliding in shows its entries' text as empty
            if (title.equals(li.findElement(By.cssSelector(".conv-title")).getDomProperty("textContent"))) {
                return li;
            }
        }
        throw new AssertionError("no entry \"" + title + "\" in " + titles());
    }

    /** Clicks a button of an entry ({@code pin}, {@code rename}, {@code delete}). */
    void act(String title, String act) {
        WebElement li = entry(title);
        new org.openqa.selenium.interactions.Actions(browser.driver).moveToElement(li).perform();
        li.findElement(By.cssSelector("button[data-act=" + act + "]")).click();
    }

    /** The conversation id in the URL ({@code #c=<id>}), or null. */
    String urlId() {
        String hash = (String) browser.js("return location.hash");
        return hash.startsWith("#c=") ? hash.substring(3) : null;
    }

    /** Sends {@code text} and waits for the reply to end as {@code done}. */
    void sendAndWait(String text) {
        int before = chat.replies().size();
        chat.send(text);
        browser.await(d -> chat.replies().size() > before);
        if (!"done".equals(chat.awaitReplyEnd())) {
            throw new AssertionError("the reply to \"" + text + "\" ended as " + chat.lastReplyStatus());
        }
    }

    /** The texts of the messages shown, in order (user bubbles and rendered answers). */
    @SuppressWarnings("unchecked")
    List<String> shown() {
        return (List<String>) browser.js("return [...document.querySelectorAll('#messages article')].map(a =>"
                + " a.classList.contains('msg-user') ? a.querySelector('.bubble').textContent"
                + " : a.querySelector('.answer').textContent.trim())");
    }

    /** The {@code 2 / 3} of the {@code n}th message shown, or null when it has one version. */
    String versions(int n) {
        return (String) browser.js("const a = document.querySelectorAll('#messages article')[arguments[0]];"
                + " const b = a && a.querySelector('.branch');"
                + " return b && !b.hidden ? b.querySelector('.branch-pos').textContent : null", n);
    }

    /** Clicks an action button ({@code data-action}) of the {@code n}th message shown. */
    void messageAction(int n, String action) {
        WebElement article = chat.articles().get(n);
        new org.openqa.selenium.interactions.Actions(browser.driver).moveToElement(article).perform();
        article.findElement(By.cssSelector("button[data-action=" + action + "]")).click();
    }

    /** {@code method path} of the conversations API, called from the page (its cookie or login): status and body. */
    JsonNode api(String method, String path, String body) {
        Object raw = browser.asyncJs("const done = arguments[arguments.length - 1];"
                + " fetch((document.body.dataset.contextPath || '') + '/api/conversations' + arguments[1], {method: arguments[0],"
                + "   headers: {'Content-Type': 'application/json'}, body: arguments[2] || undefined})"
                + " .then(async r => done(JSON.stringify({status: r.status, body: r.status === 204 ? null"
                + "   : await r.json()}))).catch(e => done(JSON.stringify({status: -1, body: String(e)})));",
                method, path, body);
        try {
            return JSON.readTree((String) raw);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + raw, e);
        }
    }

    /** The conversation as the server holds it. */
    JsonNode conversation(String id) {
        JsonNode r = api("GET", "/" + id, null);
        if (r.path("status").asInt() != 200) {
            throw new AssertionError("GET conversation " + id + ": " + r);
        }
        return r.get("body");
    }

    int status(String id) {
        return api("GET", "/" + id, null).path("status").asInt();
    }
}
