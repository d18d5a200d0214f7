package io.chatstream.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link ConversationStore} over JDBC, in SQL that H2 2.x and PostgreSQL both run (schema: {@code db/migration}).
 * Every statement runs on {@code executor}, the store's own bounded pool, so no request, timer or HTTP client
 * thread ever waits on the database.
 */
public final class JdbcConversationStore implements ConversationStore {

    private static final String CONVERSATION_COLUMNS =
            "id, owner_id, title, system_prompt, pinned, current_leaf, created_at, updated_at";
    private static final String MESSAGE_COLUMNS = "id, conversation_id, parent_id, role, content, reasoning,"
            + " tool_calls, tool_call_id, model, prompt_tokens, completion_tokens, status, stream_id, created_at";

    private final DataSource dataSource;
    private final Executor executor;
    private final AutoCloseable onClose;
    private final ReentrantLock migrating = new ReentrantLock();
    private final LongAdder statements = new LongAdder();
    /** The schema migration still to run before any statement, or null once it has run. */
    private volatile Runnable pendingMigration;

    /**
     * @param onClose          what {@link #close()} closes: the pool this store made, or nothing for a container's
     * @param pendingMigration null when the schema is up to date; else what brings it there, tried before each
     *                         statement until it succeeds (the database could not be opened at start-up)
     */
    public JdbcConversationStore(DataSource dataSource, Executor executor, AutoCloseable onClose,
                                 Runnable pendingMigration) {
        this.dataSource = dataSource;
        this.executor = executor;
        this.onClose = onClose;
        this.pendingMigration = pendingMigration;
    }

    /** Runs the pending migration, once; a failure leaves it pending and fails this statement as unavailable. */
    private void migrated() {
        if (pendingMigration == null) {
            return;
        }
        migrating.lock();
        try {
            Runnable m = pendingMigration;
            if (m != null) {
                m.run();
                pendingMigration = null;
            }
        } catch (RuntimeException e) {
            throw new StoreUnavailableException("The conversation store is not open yet: " + e.getMessage(), e);
        } finally {
            migrating.unlock();
        }
    }

    @Override
    public CompletableFuture<ConversationPage> list(String owner, String query, Cursor after, int limit) {
        return run(c -> {
            StringBuilder sql = new StringBuilder("SELECT " + CONVERSATION_COLUMNS
                    + " FROM conversation c WHERE owner_id = ?");
            List<Object> args = new ArrayList<>(List.of(owner));
            if (after != null) {
                sql.append(" AND (updated_at < ? OR (updated_at = ? AND id < ?))");
                args.add(after.updatedAt());
                args.add(after.updatedAt());
                args.add(after.id());
            }
            if (query != null && !query.isEmpty()) {
                String like = "%" + escapeLike(query.toLowerCase(Locale.ROOT)) + "%";
                sql.append(" AND (LOWER(title) LIKE ? ESCAPE '!' OR EXISTS (SELECT 1 FROM message m"
                        + " WHERE m.conversation_id = c.id AND LOWER(m.content) LIKE ? ESCAPE '!'))");
                args.add(like);
                args.add(like);
            }
            sql.append(" ORDER BY updated_at DESC, id DESC LIMIT ?");
            args.add(limit + 1);
            List<Conversation> found = new ArrayList<>();
            try (PreparedStatement s = prepare(c, sql.toString())) {
                bind(s, args);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        found.add(conversation(r));
                    }
                }
            }
            if (found.size() <= limit) {
                return new ConversationPage(found, null);
            }
            List<Conversation> page = found.subList(0, limit);
            Conversation last = page.get(limit - 1);
            return new ConversationPage(page, new Cursor(last.updatedAt(), last.id()));
        });
    }

    @Override
    public CompletableFuture<Conversation> create(Conversation conv) {
        return run(c -> {
            try (PreparedStatement s = prepare(c, "INSERT INTO conversation (" + CONVERSATION_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                bind(s, List.of(conv.id(), conv.owner()));
                s.setString(3, conv.title());
                s.setString(4, conv.system());
                s.setBoolean(5, conv.pinned());
                s.setString(6, conv.currentLeaf());
                s.setLong(7, conv.createdAt());
                s.setLong(8, conv.updatedAt());
                s.executeUpdate();
            }
            return conv;
        });
    }

    @Override
    public CompletableFuture<Optional<ConversationTree>> find(String owner, String id) {
        return run(c -> {
            Optional<Conversation> conv = conversation(c, owner, id);
            if (conv.isEmpty()) {
                return Optional.empty();
            }
            List<Message> messages = new ArrayList<>();
            try (PreparedStatement s = prepare(c, "SELECT " + MESSAGE_COLUMNS
                    + " FROM message WHERE conversation_id = ? ORDER BY seq")) {
                s.setString(1, id);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        messages.add(message(r));
                    }
                }
            }
            return Optional.of(new ConversationTree(conv.get(), messages));
        });
    }

    @Override
    public CompletableFuture<Optional<Conversation>> update(String owner, String id, ConversationPatch patch) {
        return transaction(c -> {
            Optional<Conversation> before = conversation(c, owner, id);
            if (before.isEmpty()) {
                return Optional.<Conversation>empty();
            }
            if (patch.currentLeaf() != null) {
                try (PreparedStatement s = prepare(c, 
                        "SELECT 1 FROM message WHERE id = ? AND conversation_id = ?")) {
                    bind(s, List.of(patch.currentLeaf(), id));
                    try (ResultSet r = s.executeQuery()) {
                        if (!r.next()) {
                            throw new UnknownMessageException("\"current_leaf\" is not a message of this"
                                    + " conversation.");
                        }
                    }
                }
            }
            Conversation b = before.get();
            try (PreparedStatement s = prepare(c, "UPDATE conversation SET title = ?, pinned = ?,"
                    + " current_leaf = ? WHERE id = ?")) {
                s.setString(1, patch.title() != null ? patch.title() : b.title());
                s.setBoolean(2, patch.pinned() != null ? patch.pinned() : b.pinned());
                s.setString(3, patch.currentLeaf() != null ? patch.currentLeaf() : b.currentLeaf());
                s.setString(4, id);
                s.executeUpdate();
            }
            return conversation(c, owner, id);
        });
    }

    @Override
    public CompletableFuture<Boolean> delete(String owner, String id) {
        return transaction(c -> {
            // the messages first: a database without ON DELETE CASCADE support on this path loses nothing either
            try (PreparedStatement s = prepare(c, "DELETE FROM message WHERE conversation_id IN"
                    + " (SELECT id FROM conversation WHERE id = ? AND owner_id = ?)")) {
                bind(s, List.of(id, owner));
                s.executeUpdate();
            }
            try (PreparedStatement s = prepare(c, 
                    "DELETE FROM conversation WHERE id = ? AND owner_id = ?")) {
                bind(s, List.of(id, owner));
                return s.executeUpdate() == 1;
            }
        });
    }

    @Override
    public CompletableFuture<Boolean> addReply(String owner, Message user, Message reply, String title) {
        return transaction(c -> {
            try (PreparedStatement s = prepare(c, "UPDATE conversation SET current_leaf = ?,"
                    + " updated_at = ?, title = COALESCE(title, ?) WHERE id = ? AND owner_id = ?")) {
                s.setString(1, reply.id());
                s.setLong(2, reply.createdAt());
                s.setString(3, title);
                s.setString(4, reply.conversationId());
                s.setString(5, owner);
                if (s.executeUpdate() != 1) {
                    return false;
                }
            }
            if (user != null) {
                insert(c, user);
            }
            insert(c, reply);
            return true;
        });
    }

    @Override
    public CompletableFuture<Void> checkpoint(String messageId, ReplyText text, long at) {
        return run(c -> {
            try (PreparedStatement s = prepare(c, "UPDATE message SET content = ?, reasoning = ?,"
                    + " tool_calls = ?, checkpoint_at = ? WHERE id = ? AND status = 'streaming'")) {
                s.setString(1, text.content());
                s.setString(2, text.reasoning());
                s.setString(3, text.toolCalls());
                s.setLong(4, at);
                s.setString(5, messageId);
                s.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> finish(String messageId, MessageStatus status, ReplyText text, long at) {
        if (status == MessageStatus.STREAMING) {
            throw new IllegalArgumentException("a finished reply is not streaming");
        }
        return run(c -> {
            try (PreparedStatement s = prepare(c, "UPDATE message SET content = ?, reasoning = ?,"
                    + " tool_calls = ?, prompt_tokens = ?, completion_tokens = ?, status = ?, checkpoint_at = ?"
                    + " WHERE id = ?")) {
                s.setString(1, text.content());
                s.setString(2, text.reasoning());
                s.setString(3, text.toolCalls());
                setInteger(s, 4, text.usage() == null ? null : text.usage().promptTokens());
                setInteger(s, 5, text.usage() == null ? null : text.usage().completionTokens());
                s.setString(6, status.wire());
                s.setLong(7, at);
                s.setString(8, messageId);
                s.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Integer> failAbandoned(long checkpointBefore) {
        return run(c -> {
            try (PreparedStatement s = prepare(c, "UPDATE message SET status = 'error'"
                    + " WHERE status = 'streaming' AND checkpoint_at < ?")) {
                s.setLong(1, checkpointBefore);
                return s.executeUpdate();
            }
        });
    }

    @Override
    public void close() {
        try {
            onClose.close();
        } catch (Exception e) {
            System.getLogger(JdbcConversationStore.class.getName()).log(System.Logger.Level.WARNING,
                    "The conversation store's connections did not close cleanly: " + e);
        }
    }

    private void insert(Connection c, Message m) throws SQLException {
        try (PreparedStatement s = prepare(c, "INSERT INTO message (" + MESSAGE_COLUMNS
                + ", checkpoint_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setString(1, m.id());
            s.setString(2, m.conversationId());
            s.setString(3, m.parentId());
            s.setString(4, m.role());
            s.setString(5, m.content());
            s.setString(6, m.reasoning());
            s.setString(7, m.toolCalls());
            s.setString(8, m.toolCallId());
            s.setString(9, m.model());
            setInteger(s, 10, m.usage() == null ? null : m.usage().promptTokens());
            setInteger(s, 11, m.usage() == null ? null : m.usage().completionTokens());
            s.setString(12, m.status().wire());
            s.setString(13, m.streamId());
            s.setLong(14, m.createdAt());
            s.setLong(15, m.createdAt());
            s.executeUpdate();
        }
    }

    private Optional<Conversation> conversation(Connection c, String owner, String id) throws SQLException {
        try (PreparedStatement s = prepare(c, "SELECT " + CONVERSATION_COLUMNS
                + " FROM conversation WHERE id = ? AND owner_id = ?")) {
            bind(s, List.of(id, owner));
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(conversation(r)) : Optional.empty();
            }
        }
    }

    private static Conversation conversation(ResultSet r) throws SQLException {
        return new Conversation(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getBoolean(5),
                r.getString(6), r.getLong(7), r.getLong(8));
    }

    private static Message message(ResultSet r) throws SQLException {
        int prompt = r.getInt(10);
        boolean hasUsage = !r.wasNull();
        int completion = r.getInt(11);
        hasUsage &= !r.wasNull();
        return new Message(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
                r.getString(6), r.getString(7), r.getString(8), r.getString(9),
                hasUsage ? new Message.TokenUsage(prompt, completion) : null,
                MessageStatus.fromWire(r.getString(12)), r.getString(13), r.getLong(14));
    }

    private static void bind(PreparedStatement s, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            if (a instanceof Long l) {
                s.setLong(i + 1, l);
            } else if (a instanceof Integer n) {
                s.setInt(i + 1, n);
            } else {
                s.setString(i + 1, (String) a);
            }
        }
    }

    private static void setInteger(PreparedStatement s, int index, Integer value) throws SQLException {
        if (value == null) {
            s.setNull(index, Types.INTEGER);
        } else {
            s.setInt(index, value);
        }
    }

    /** {@code LIKE} text that matches itself: the escape character is {@code !}. */
    static String escapeLike(String text) {
        return text.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }

    @Override
    public long statements() {
        return statements.sum();
    }

    /** Every statement of this store is made here, and counted: what a reply costs the database shows. */
    private PreparedStatement prepare(Connection c, String sql) throws SQLException {
        statements.increment();
        return c.prepareStatement(sql);
    }

    /** Work on one connection; its exceptions become the future's. */
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> CompletableFuture<T> run(Work<T> work) {
        return submit(work, false);
    }

    private <T> CompletableFuture<T> transaction(Work<T> work) {
        return submit(work, true);
    }

    private <T> CompletableFuture<T> submit(Work<T> work, boolean transaction) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    migrated();
                } catch (StoreUnavailableException e) {
                    result.completeExceptionally(e);
                    return;
                }
                try (Connection c = dataSource.getConnection()) {
                    if (!transaction) {
                        result.complete(work.run(c));
                        return;
                    }
                    c.setAutoCommit(false);
                    try {
                        T value = work.run(c);
                        c.commit();
                        result.complete(value);
                    } catch (SQLException | RuntimeException e) {
                        c.rollback();
                        throw e;
                    } finally {
                        c.setAutoCommit(true);
                    }
                } catch (SQLException e) {
                    result.completeExceptionally(new StoreUnavailableException(
                            "The conversation store could not be reached: " + e.getMessage(), e));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new StoreUnavailableException("The conversation store is busy or"
                    + " stopping.", e));
        }
        return result;
    }
}
