package io.chatstream.store;

import io.chatstream.backend.ChatMessage;
import io.chatstream.conversation.History;
import io.chatstream.event.ToolCall;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every {@link ConversationStore} does, run against each real database. */
abstract class ConversationStoreContract {

    /** The store under test, fresh for each test. */
    abstract ConversationStore store();

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    static String id() {
        return UUID.randomUUID().toString();
    }

    static Conversation conversation(String owner, String title, long at) {
        return new Conversation(id(), owner, title, null, false, null, at, at);
    }

    @Test
    void listsAnOwnersConversationsMostRecentFirstInPagesThatMeet() throws Exception {
        String owner = id();
        for (int i = 0; i < 5; i++) {
            await(store().create(conversation(owner, "c" + i, 1000 + i)));
        }
        // two at the same instant: the id decides, so no page boundary drops or repeats one
        await(store().create(new Conversation("zz-" + id(), owner, "same-a", null, false, null, 2000, 2000)));
        await(store().create(new Conversation("aa-" + id(), owner, "same-b", null, false, null, 2000, 2000)));
        await(store().create(conversation(id(), "someone else's", 3000)));

        List<String> seen = new java.util.ArrayList<>();
        Cursor cursor = null;
        int pages = 0;
        do {
            ConversationPage page = await(store().list(owner, null, cursor, 3));
            page.conversations().forEach(c -> seen.add(c.title()));
            cursor = page.next() == null ? null : Cursor.parse(page.next().encode());
            pages++;
        } while (cursor != null);
        assertEquals(List.of("same-a", "same-b", "c4", "c3", "c2", "c1", "c0"), seen);
        assertEquals(3, pages);
    }

    @Test
    void searchFindsTitlesAndMessageTextWithoutWildcards() throws Exception {
        String owner = id();
        Conversation byTitle = await(store().create(conversation(owner, "Trip to Lisbon", 1)));
        Conversation byText = await(store().create(conversation(owner, "untitled", 2)));
        Conversation neither = await(store().create(conversation(owner, "100% other", 3)));
        Message q = Message.user(id(), byText.id(), null, "What about LISBON in May?", 4);
        await(store().addReply(owner, q, Message.streamingReply(id(), byText.id(), q.id(), "demo", "s", 5), null));

        List<String> found = await(store().list(owner, "lisbon", null, 10)).conversations().stream()
                .map(Conversation::id).toList();
        assertEquals(List.of(byText.id(), byTitle.id()), found);
        assertEquals(List.of(neither.id()), await(store().list(owner, "100%", null, 10)).conversations().stream()
                .map(Conversation::id).toList());
        assertTrue(await(store().list(owner, "_", null, 10)).conversations().isEmpty());
        assertTrue(await(store().list(id(), "lisbon", null, 10)).conversations().isEmpty());
    }

    @Test
    void keepsTheTreeAndItsBranches() throws Exception {
        String owner = id();
        Conversation c = await(store().create(conversation(owner, null, 1)));
        Message u1 = Message.user(id(), c.id(), null, "first", 10);
        Message a1 = Message.streamingReply(id(), c.id(), u1.id(), "demo", "s1", 11);
        assertTrue(await(store().addReply(owner, u1, a1, "first")));
        // an edit: a second user message beside the first
        Message u2 = Message.user(id(), c.id(), null, "first, edited", 20);
        Message a2 = Message.streamingReply(id(), c.id(), u2.id(), "demo", "s2", 21);
        assertTrue(await(store().addReply(owner, u2, a2, "not this one")));
        // a regenerate: a second reply to u2
        Message a3 = Message.streamingReply(id(), c.id(), u2.id(), "demo", "s3", 30);
        assertTrue(await(store().addReply(owner, null, a3, null)));

        ConversationTree tree = await(store().find(owner, c.id())).orElseThrow();
        assertEquals("first", tree.conversation().title(), "the first message names it, later ones do not");
        assertEquals(a3.id(), tree.conversation().currentLeaf());
        assertEquals(30, tree.conversation().updatedAt());
        assertEquals(List.of(u1.id(), a1.id(), u2.id(), a2.id(), a3.id()),
                tree.messages().stream().map(Message::id).toList());
        assertEquals(List.of(u2.id(), a3.id()), tree.pathTo(a3.id()).stream().map(Message::id).toList());
        Message saved = tree.message(a1.id()).orElseThrow();
        assertEquals(MessageStatus.STREAMING, saved.status());
        assertEquals("s1", saved.streamId());
        assertEquals(u1.id(), saved.parentId());

        assertEquals(Optional.empty(), await(store().find(id(), c.id())), "another owner finds nothing");
        assertFalse(await(store().addReply(id(), null, Message.streamingReply(id(), c.id(), u1.id(), "demo", "x",
                40), null)), "nor adds to it");
    }

    @Test
    void patchesTitlePinAndCurrentLeafOfItsOwnMessagesOnly() throws Exception {
        String owner = id();
        Conversation c = await(store().create(conversation(owner, "old", 1)));
        Conversation other = await(store().create(conversation(owner, "other", 1)));
        Message u = Message.user(id(), c.id(), null, "hi", 2);
        Message a = Message.streamingReply(id(), c.id(), u.id(), "demo", "s", 3);
        await(store().addReply(owner, u, a, null));
        Message elsewhere = Message.user(id(), other.id(), null, "there", 4);
        await(store().addReply(owner, elsewhere, Message.streamingReply(id(), other.id(), elsewhere.id(), "demo",
                "t", 5), null));

        Conversation patched = await(store().update(owner, c.id(), new ConversationPatch("new", true, u.id())))
                .orElseThrow();
        assertEquals("new", patched.title());
        assertTrue(patched.pinned());
        assertEquals(u.id(), patched.currentLeaf());

        ExecutionException e = assertThrows(ExecutionException.class, () -> await(store().update(owner, c.id(),
                new ConversationPatch(null, null, elsewhere.id()))));
        assertInstanceOf(UnknownMessageException.class, e.getCause());
        assertEquals(Optional.empty(), await(store().update(id(), c.id(), new ConversationPatch("x", null, null))));
        assertEquals("new", await(store().find(owner, c.id())).orElseThrow().conversation().title());
    }

    @Test
    void savesCheckpointsAndTheEndOfAReply() throws Exception {
        String owner = id();
        Conversation c = await(store().create(conversation(owner, null, 1)));
        Message u = Message.user(id(), c.id(), null, "hi", 2);
        Message a = Message.streamingReply(id(), c.id(), u.id(), "demo", "s", 3);
        await(store().addReply(owner, u, a, null));

        await(store().checkpoint(a.id(), new ReplyText("Hel", "think", null, null), 4));
        Message mid = await(store().find(owner, c.id())).orElseThrow().message(a.id()).orElseThrow();
        assertEquals("Hel", mid.content());
        assertEquals("think", mid.reasoning());
        assertEquals(MessageStatus.STREAMING, mid.status());

        await(store().finish(a.id(), MessageStatus.STOPPED, new ReplyText("Hello", "thinking",
                "[{\"id\":\"1\"}]", new Message.TokenUsage(3, 5)), 5));
        // a checkpoint that arrives after the end changes nothing
        await(store().checkpoint(a.id(), new ReplyText("Hel", null, null, null), 6));
        Message end = await(store().find(owner, c.id())).orElseThrow().message(a.id()).orElseThrow();
        assertEquals("Hello", end.content());
        assertEquals(MessageStatus.STOPPED, end.status());
        assertEquals(new Message.TokenUsage(3, 5), end.usage());
        assertEquals("[{\"id\":\"1\"}]", end.toolCalls());
    }

    @Test
    void keepsAReplysToolCallsAndAToolMessagesCallIdForTheModelsHistory() throws Exception {
        String owner = id();
        Conversation c = await(store().create(conversation(owner, null, 1)));
        Message u = Message.user(id(), c.id(), null, "Weather?", 2);
        Message a = Message.streamingReply(id(), c.id(), u.id(), "gpt-4o", "s", 3);
        await(store().addReply(owner, u, a, null));
        String calls = "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"上海 🌧\\\"}\"}}]";
        await(store().finish(a.id(), MessageStatus.DONE, new ReplyText("", null, calls, null), 4));
        Message result = new Message(id(), c.id(), a.id(), "tool", "{\"temp_c\":18}", null, null, "call_1", null,
                null, MessageStatus.DONE, null, 5);
        Message next = Message.streamingReply(id(), c.id(), result.id(), "gpt-4o", "s2", 6);
        assertTrue(await(store().addReply(owner, result, next, null)));

        ConversationTree tree = await(store().find(owner, c.id())).orElseThrow();
        assertEquals(calls, tree.message(a.id()).orElseThrow().toolCalls());
        Message stored = tree.message(result.id()).orElseThrow();
        assertEquals("tool", stored.role());
        assertEquals("call_1", stored.toolCallId());
        List<ChatMessage> history = History.forModel(null, tree.pathTo(result.id()), 100, 1_000_000);
        assertEquals(List.of(ChatMessage.user("Weather?"),
                ChatMessage.assistantCalls("", List.of(new ToolCall("call_1", "get_weather",
                        "{\"city\":\"上海 🌧\"}"))),
                ChatMessage.toolResult("call_1", "{\"temp_c\":18}")), history);
    }

    @Test
    void repliesLeftStreamingByAVanishedNodeBecomeErrorsWithTheirLastCheckpoint() throws Exception {
        String owner = id();
        Conversation c = await(store().create(conversation(owner, null, 1)));
        Message u = Message.user(id(), c.id(), null, "hi", 2);
        Message stale = Message.streamingReply(id(), c.id(), u.id(), "demo", "s1", 3);
        Message fresh = Message.streamingReply(id(), c.id(), u.id(), "demo", "s2", 3);
        await(store().addReply(owner, u, stale, null));
        await(store().addReply(owner, null, fresh, null));
        await(store().checkpoint(stale.id(), new ReplyText("partial", null, null, null), 100));
        await(store().checkpoint(fresh.id(), new ReplyText("running", null, null, null), 10_000));

        assertTrue(await(store().failAbandoned(5_000)) >= 1);
        ConversationTree tree = await(store().find(owner, c.id())).orElseThrow();
        assertEquals(MessageStatus.ERROR, tree.message(stale.id()).orElseThrow().status());
        assertEquals("partial", tree.message(stale.id()).orElseThrow().content());
        assertEquals(MessageStatus.STREAMING, tree.message(fresh.id()).orElseThrow().status());
    }

    @Test
    void deletesForGoodAndOnlyForItsOwner() throws Exception {
        String owner = id();
        Conversation c = await(store().create(conversation(owner, "bye", 1)));
        Message u = Message.user(id(), c.id(), null, "forget me", 2);
        await(store().addReply(owner, u, Message.streamingReply(id(), c.id(), u.id(), "demo", "s", 3), null));

        assertFalse(await(store().delete(id(), c.id())));
        assertTrue(await(store().find(owner, c.id())).isPresent());
        assertTrue(await(store().delete(owner, c.id())));
        assertEquals(Optional.empty(), await(store().find(owner, c.id())));
        assertFalse(await(store().delete(owner, c.id())));
        assertTrue(await(store().list(owner, "forget", null, 10)).conversations().isEmpty());
        // the messages went too: their id can be used again
        Conversation again = await(store().create(conversation(owner, null, 4)));
        await(store().addReply(owner, new Message(u.id(), again.id(), null, "user", "x", null, null, null, null,
                null, MessageStatus.DONE, null, 5), Message.streamingReply(id(), again.id(), u.id(), "demo", "t",
                6), null));
        assertNull(await(store().find(owner, again.id())).orElseThrow().message(u.id()).orElseThrow().parentId());
    }
}
