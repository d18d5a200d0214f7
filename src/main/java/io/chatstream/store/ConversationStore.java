package io.chatstream.store;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where conversations and their message trees are kept. Every method returns at once; its future completes on the
 * store's own threads, never on the caller's. A database that cannot be reached fails the future with
 * {@link StoreUnavailableException}. Every read and change of a conversation names its owner: another owner's
 * conversation is as absent as one that never existed.
 */
public interface ConversationStore extends AutoCloseable {

    /**
     * The owner's conversations, most recently active first ({@code updated_at}, then id, descending).
     *
     * @param query null, or text to find in titles and message contents (case-insensitive)
     * @param after null for the first page, else the {@link ConversationPage#next()} of the page before
     * @param limit 1 or more
     */
    CompletableFuture<ConversationPage> list(String owner, String query, Cursor after, int limit);

    /** Stores a new, empty conversation. */
    CompletableFuture<Conversation> create(Conversation conversation);

    /** The owner's conversation {@code id} with every message; empty when there is none such. */
    CompletableFuture<Optional<ConversationTree>> find(String owner, String id);

    /**
     * Changes the owner's conversation; empty when there is none such. Fails with {@link UnknownMessageException}
     * when {@code currentLeaf} is not one of its messages.
     */
    CompletableFuture<Optional<Conversation>> update(String owner, String id, ConversationPatch patch);

    /** Deletes the owner's conversation and its messages for good; false when there was none such. */
    CompletableFuture<Boolean> delete(String owner, String id);

    /**
     * Adds a reply, and the user message it answers when that is new, in one transaction: the reply becomes the
     * conversation's current leaf, the conversation its owner's most recently active, and an untitled conversation
     * takes {@code title}. False when the conversation is gone.
     *
     * @param user  null for a regenerated reply (its user message is there already)
     * @param title null to leave the title as it is
     */
    CompletableFuture<Boolean> addReply(String owner, Message user, Message reply, String title);

    /** Saves what a running reply holds so far and when ({@code at}, epoch ms): its checkpoint. */
    CompletableFuture<Void> checkpoint(String messageId, ReplyText text, long at);

    /** Saves a reply as it was when its stream ended: {@code status} is never {@link MessageStatus#STREAMING}. */
    CompletableFuture<Void> finish(String messageId, MessageStatus status, ReplyText text, long at);

    /**
     * Replies still {@code streaming} whose last checkpoint is older than {@code checkpointBefore} (epoch ms) belong
     * to a stream that no longer runs (its node was killed): they become {@code error}, their text the last
     * checkpoint. Returns how many.
     */
    CompletableFuture<Integer> failAbandoned(long checkpointBefore);

    /** Statements sent to the database since the store opened (the schema's migrations aside), for the metrics. */
    long statements();

    /** Closes the connections; the store's threads are the caller's to stop. */
    @Override
    void close();
}
