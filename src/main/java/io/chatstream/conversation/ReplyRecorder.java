package io.chatstream.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatstream.event.ChatEvent;
import io.chatstream.event.FinishReason;
import io.chatstream.store.ConversationStore;
import io.chatstream.store.Message;
import io.chatstream.store.MessageStatus;
import io.chatstream.store.ReplyText;
import io.chatstream.stream.ChatStream;
import io.chatstream.stream.StreamObserver;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Saves the replies that belong to conversations, whatever ends them: the reply's row is inserted as
 * {@code streaming} when its stream starts ({@link #begin}), its text is saved every {@code checkpoint} while it
 * runs, and it is saved once more when the stream ends: {@code done}, {@code stopped} (cancelled), or {@code error}
 * (an error event, or the webapp stopping under it), with whatever had arrived. Readers play no part: a reply
 * whose client went away is saved all the same.
 *
 * <p>Nothing here runs per token. A reply's text is read back from its stream's own event log at a checkpoint and
 * at the end; a stream that belongs to no conversation costs one null check when it ends. A final save that fails
 * (the database is away) is tried again, later and later, until it succeeds or the webapp stops; what is left then
 * is the last checkpoint, which the sweep turns into {@code error}.
 *
 * <p>The sweep: every {@code checkpoint}, replies still {@code streaming} whose checkpoint is three periods old are
 * ones no node writes any more (it was killed): they become {@code error}.
 */
public final class ReplyRecorder implements StreamObserver, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ReplyRecorder.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_RETRY_MILLIS = 30_000;

    private final ConversationStore store;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final Duration checkpoint;
    private final Map<String, Reply> running = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile List<ScheduledFuture<?>> timers = List.of();

    public ReplyRecorder(ConversationStore store, ScheduledExecutorService scheduler, Clock clock,
                         Duration checkpoint) {
        this.store = store;
        this.scheduler = scheduler;
        this.clock = clock;
        this.checkpoint = checkpoint;
    }

    /** Starts the checkpoint timer and the sweep on the shared scheduler. */
    public void start() {
        long period = checkpoint.toMillis();
        timers = List.of(
                scheduler.scheduleAtFixedRate(this::checkpointDue, Math.min(period, 1000), Math.min(period, 1000),
                        TimeUnit.MILLISECONDS),
                scheduler.scheduleAtFixedRate(this::sweep, 0, period, TimeUnit.MILLISECONDS));
    }

    /**
     * Inserts a reply that {@code stream} has just begun to write, and the user message it answers when that is
     * new; from then on the reply is saved as described above. The future is false when the conversation is gone.
     */
    public CompletableFuture<Boolean> begin(ChatStream stream, String owner, Message user, Message reply,
                                            String title) {
        CompletableFuture<Boolean> inserted = store.addReply(owner, user, reply, title);
        Reply r = new Reply(stream, reply.id(), inserted, clock.millis());
        running.put(stream.id(), r);
        inserted.whenComplete((ok, failed) -> {
            if (failed != null || !ok) {
                running.remove(stream.id(), r);
            }
        });
        if (stream.isTerminated()) {
            r.finish(); // ended before it was registered here: streamEnded found nothing to finish
        }
        return inserted;
    }

    @Override
    public void streamEnded(ChatStream stream, ChatEvent.Terminal terminal, long nanos) {
        if (stream.conversationReply() == null) {
            return;
        }
        Reply r = running.get(stream.id());
        if (r != null) {
            r.finish();
        }
    }

    /**
     * The conversation was deleted: its replies running on this node are cancelled, so no model keeps writing what
     * no one can read any more.
     */
    public void conversationDeleted(String conversationId) {
        for (Reply r : running.values()) {
            if (r.stream.conversationReply().conversationId().equals(conversationId)) {
                r.stream.cancel();
            }
        }
    }

    /** Saves the text of every running reply whose last save is a checkpoint period old or more. */
    void checkpointDue() {
        long now = clock.millis();
        for (Reply r : running.values()) {
            if (now - r.lastSaved >= checkpoint.toMillis()) {
                r.checkpoint(now);
            }
        }
    }

    /** Turns the replies that no node writes any more into errors. */
    void sweep() {
        store.failAbandoned(clock.millis() - 3 * checkpoint.toMillis()).whenComplete((n, e) -> {
            if (e != null) {
                LOG.log(Level.DEBUG, () -> "The sweep of abandoned replies failed; it runs again: " + e);
            } else if (n > 0) {
                LOG.log(Level.INFO, n + " replies left streaming by a stopped node are saved as errors");
            }
        });
    }

    /** Replies being written now. */
    int running() {
        return running.size();
    }

    /**
     * The webapp stops: its streams were ended without a terminal event; each reply is saved as {@code error} with
     * what it holds. Call before the store's threads stop, so these saves still run.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        timers.forEach(t -> t.cancel(false));
        for (Reply r : running.values()) {
            r.finish();
        }
    }

    /** One reply being written. */
    private final class Reply {
        private final ChatStream stream;
        private final String messageId;
        private final CompletableFuture<Boolean> inserted;
        private final ReentrantLock lock = new ReentrantLock();
        private final AtomicBoolean finished = new AtomicBoolean();
        private final StringBuilder content = new StringBuilder();
        private final StringBuilder reasoning = new StringBuilder();
        private final ArrayNode toolCalls = JSON.createArrayNode();
        private Message.TokenUsage usage;
        private int readSeq;
        private volatile long lastSaved;

        Reply(ChatStream stream, String messageId, CompletableFuture<Boolean> inserted, long now) {
            this.stream = stream;
            this.messageId = messageId;
            this.inserted = inserted;
            this.lastSaved = now;
        }

        void checkpoint(long now) {
            if (!inserted.isDone() || finished.get()) {
                return;
            }
            lastSaved = now;
            ReplyText text = collect();
            store.checkpoint(messageId, text, now).whenComplete((v, e) -> {
                if (e != null) {
                    LOG.log(Level.DEBUG, () -> "A checkpoint of reply " + messageId + " failed; the next one"
                            + " tries again: " + e);
                }
            });
        }

        void finish() {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            ReplyText text = collect();
            MessageStatus status = status(stream.terminal());
            inserted.thenAccept(ok -> {
                if (ok) {
                    save(status, text, 0);
                }
            });
        }

        private void save(MessageStatus status, ReplyText text, int attempt) {
            store.finish(messageId, status, text, clock.millis()).whenComplete((v, e) -> {
                if (e == null) {
                    running.remove(stream.id(), this);
                    return;
                }
                if (closed.get()) {
                    running.remove(stream.id(), this);
                    LOG.log(Level.WARNING, "Reply " + messageId + " could not be saved before the webapp stopped;"
                            + " its last checkpoint is kept: " + e.getMessage());
                    return;
                }
                long delay = Math.min(MAX_RETRY_MILLIS, 1000L << Math.min(attempt, 5));
                LOG.log(Level.WARNING, "Reply " + messageId + " could not be saved; trying again in " + delay
                        + " ms: " + e.getMessage());
                try {
                    scheduler.schedule(() -> save(status, text, attempt + 1), delay, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException stopping) {
                    running.remove(stream.id(), this);
                    LOG.log(Level.WARNING, "Reply " + messageId + " is left at its last checkpoint: the webapp"
                            + " stopped");
                }
            });
        }

        /** Reads the events that came since the last call; returns what the reply holds now. */
        private ReplyText collect() {
            lock.lock();
            try {
                int last = stream.lastSeq();
                for (int seq = readSeq + 1; seq <= last; seq++) {
                    add(stream.json(seq));
                }
                readSeq = last;
                return new ReplyText(content.toString(), reasoning.isEmpty() ? null : reasoning.toString(),
                        toolCalls.isEmpty() ? null : toolCalls.toString(), usage);
            } finally {
                lock.unlock();
            }
        }

        private void add(byte[] json) {
            JsonNode e;
            try {
                e = JSON.readTree(json);
            } catch (IOException bad) {
                throw new IllegalStateException("an event of our own log is not JSON", bad);
            }
            switch (e.path("type").asText()) {
                case "chunk" -> content.append(e.path("content").asText());
                case "reasoning" -> reasoning.append(e.path("content").asText());
                case "tool_call" -> {
                    JsonNode c = e.path("tool_call");
                    ObjectNode call = toolCalls.addObject();
                    call.put("id", c.path("id").asText());
                    call.put("type", "function");
                    call.putObject("function").put("name", c.path("name").asText())
                            .put("arguments", c.path("arguments").asText());
                }
                case "tool_result" -> {
                    // a server tool's result, kept on its call: the page shows it after a reload, and the next
                    // turn gives the model the call answered (History)
                    String id = e.path("tool_call_id").asText();
                    for (JsonNode call : toolCalls) {
                        if (call.path("id").asText().equals(id)) {
                            ((ObjectNode) call).put("result", e.path("result").asText());
                        }
                    }
                }
                case "end" -> {
                    JsonNode u = e.path("usage");
                    if (u.isObject()) {
                        usage = new Message.TokenUsage(u.path("prompt_tokens").asInt(),
                                u.path("completion_tokens").asInt());
                    }
                }
                default -> {
                    // start and errors add nothing to the message
                }
            }
        }
    }

    /** A stream's end as a message status; no terminal event means the webapp stopped under it. */
    static MessageStatus status(ChatEvent terminal) {
        if (terminal instanceof ChatEvent.End end) {
            return end.finishReason() == FinishReason.CANCELLED ? MessageStatus.STOPPED : MessageStatus.DONE;
        }
        return MessageStatus.ERROR;
    }
}
