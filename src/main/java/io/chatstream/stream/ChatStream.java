package io.chatstream.stream;

import io.chatstream.backend.BackendUnavailableException;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import io.chatstream.event.ChatEvent;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;
import io.chatstream.time.Ticker;
import io.chatstream.wire.ByteSink;
import io.chatstream.wire.EventJson;
import io.chatstream.wire.Framing;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One generation and its events: a {@code start}, content, then exactly one terminal event, kept (bounded by
 * {@code chat.stream.max-bytes}) until {@code chat.stream.retain-seconds} after the end so readers can attach and
 * resume. The stream, not the backend, owns the end: {@link #cancel()}, the maximum duration and the size bound
 * append their own terminal event and cancel the backend, and whatever the backend sends after a terminal event is
 * dropped. Readers come and go; when the last one leaves, the generation goes on for the detach grace period, then
 * is cancelled.
 *
 * <p>Its events go to an {@link EventLog} made for it by the registry's {@link EventLogs}; everything else it works
 * with (clock, scheduler, observer, masker, tools, bounds) comes in one {@link StreamRuntime}.
 */
public final class ChatStream implements StreamSource {

    private static final System.Logger LOG = System.getLogger(ChatStream.class.getName());

    private final String id;
    private final byte[] idBytes;
    private final String clientKey;
    private final String principal;
    private final String model;
    private final String backendName;
    private final String idempotencyKey;
    private final String requestFingerprint;
    private final ConversationReply conversationReply;
    private final StreamRuntime runtime;
    private final Ticker ticker;
    private final long maxBytes;
    /** Told once, when the terminal event is in: the registry frees the admission and schedules the expiry. */
    private final Consumer<ChatStream> onTerminated;
    private final long startedNanos;
    private final EventLog log;
    private final ReentrantLock lock = new ReentrantLock();
    private final Sink sink = new Sink();
    /** Completed once the terminal event is in and the log holds it where it keeps it (see {@link EventLog#flushed}). */
    private final CompletableFuture<Void> endFlushed = new CompletableFuture<>();

    private final Readers readers = new Readers();
    private volatile boolean terminated;
    private volatile boolean closed;
    private volatile Generation generation;
    private volatile ChatEvent terminal;
    private volatile long firstTokenNanos = -1;
    /** Counted as appended (under the lock, read without it), for metrics at the end: no pass over the log. */
    private volatile int chunkEvents;
    private volatile int reasoningEvents;
    private ScheduledFuture<?> graceTimer;
    private ScheduledFuture<?> maxDurationTimer;

    ChatStream(String id, String clientKey, String principal, String model, String backendName,
               String idempotencyKey, String requestFingerprint, ConversationReply conversationReply,
               StreamRuntime runtime, Consumer<ChatStream> onTerminated) {
        this.id = id;
        this.idBytes = id.getBytes(StandardCharsets.US_ASCII);
        this.clientKey = clientKey;
        this.principal = principal;
        this.model = model;
        this.backendName = backendName;
        this.idempotencyKey = idempotencyKey;
        this.requestFingerprint = requestFingerprint;
        this.conversationReply = conversationReply;
        this.runtime = runtime;
        this.ticker = runtime.ticker();
        this.maxBytes = runtime.limits().maxBytes();
        this.onTerminated = onTerminated;
        this.startedNanos = ticker.nanoTime();
        this.log = runtime.logs().create(id);
        log.onFailure(this::logFailed); // told later, on the scheduler, never while this is being built
    }

    @Override
    public String id() {
        return id;
    }

    /** The client the stream counts against: its principal, else its address. */
    public String clientKey() {
        return clientKey;
    }

    /** The principal that started the stream, or null without auth. */
    public String principal() {
        return principal;
    }

    public String model() {
        return model;
    }

    public String backendName() {
        return backendName;
    }

    /** The registry's key for the request's {@code Idempotency-Key} (client and key), or null. */
    String idempotencyKey() {
        return idempotencyKey;
    }

    /** The fingerprint of the request that started the stream, or null when none was given. */
    String requestFingerprint() {
        return requestFingerprint;
    }

    /** The conversation message this stream writes, or null for a reply that belongs to no conversation. */
    public ConversationReply conversationReply() {
        return conversationReply;
    }

    /** True once the terminal event is in the log (or the webapp stopped): no event follows. */
    @Override
    public boolean isTerminated() {
        return terminated;
    }

    /** The terminal event, or null while running. */
    public ChatEvent terminal() {
        return terminal;
    }

    /** The seq of the last event appended so far. */
    @Override
    public int lastSeq() {
        return log.size();
    }

    /** The {@code chunk} events so far. */
    public int chunkEvents() {
        return chunkEvents;
    }

    /** The {@code reasoning} events so far. */
    public int reasoningEvents() {
        return reasoningEvents;
    }

    /** A copy of the JSON of event {@code seq}, 1 &lt;= seq &lt;= {@link #lastSeq()}. */
    public byte[] json(int seq) {
        return log.json(seq);
    }

    /** Appends event {@code seq} to {@code out}, framed by {@code framing}, without copying it first. */
    @Override
    public void frame(int seq, Framing framing, ByteSink out) {
        log.frame(seq, framing, idBytes, out);
    }

    /** JSON bytes of the events after {@code seq}: how far a reader at {@code seq} is behind. */
    @Override
    public long bytesAfter(int seq) {
        return log.bytesAfter(seq);
    }

    /** Nanoseconds from start to the first token, or -1 before it. */
    public long firstTokenNanos() {
        return firstTokenNanos;
    }

    /** Nanoseconds since the stream started. */
    public long ageNanos() {
        return ticker.nanoTime() - startedNanos;
    }

    /** The number of readers attached now. */
    public int readerCount() {
        return readers.size();
    }

    /**
     * Starts the generation: appends {@code start}, then hands the request to the backend, through the server tools'
     * loop when {@code chat.tools} switches any on.
     */
    void start(ChatBackend backend, ChatRequest request) throws BackendUnavailableException {
        ConversationReply c = conversationReply;
        append(c == null ? new ChatEvent.Start(id, model)
                : new ChatEvent.Start(id, model, c.conversationId(), c.messageId(), c.userMessageId()));
        lock.lock();
        try {
            maxDurationTimer = runtime.scheduler().schedule(this::expire, runtime.limits().maxDurationNanos(),
                    TimeUnit.NANOSECONDS);
        } finally {
            lock.unlock();
        }
        SecretMasker masker = runtime.masker();
        Generation g;
        try {
            // the tools' loop sits between the backend and the masking: a tool's result is masked like the model's
            g = runtime.tools().start(backend, request, masker.isEmpty() ? sink : new MaskingSink(sink, masker),
                    principal);
        } catch (BackendUnavailableException e) {
            terminateSilently();
            throw e;
        } catch (RuntimeException | Error e) {
            // an Error too: a backend of the user's whose dependency is missing throws NoClassDefFoundError, and
            // left to the container it became a 500 and a stream that held its client's admission until it expired
            LOG.log(Level.WARNING, "Backend " + backendName + " failed to start a reply for stream " + id, e);
            append(new ChatEvent.Error(ErrorCode.INTERNAL, "The backend failed to start the reply."));
            return;
        }
        generation = g;
        if (terminated && g != null) {
            g.cancel(); // cancelled while the backend was starting
        }
    }

    /**
     * Attaches a reader; it then pulls from the log. Returns false when the webapp is stopping. Cancels a pending
     * detach grace timer.
     */
    @Override
    public boolean attach(StreamReader reader) {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            readers.add(reader);
            if (graceTimer != null) {
                graceTimer.cancel(false);
                graceTimer = null;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Detaches a reader; when none is left and the generation runs, starts the detach grace period. */
    @Override
    public void detach(StreamReader reader) {
        boolean cancelNow;
        lock.lock();
        try {
            if (!readers.remove(reader)) {
                return;
            }
            cancelNow = startGraceIfUnread();
        } finally {
            lock.unlock();
        }
        if (cancelNow) {
            cancel();
        }
    }

    /**
     * The connection meant to read this stream went away before it attached (a client that left at once): with no
     * reader at all, the detach grace period starts as if that reader had left.
     */
    public void unattachedReaderLeft() {
        boolean cancelNow;
        lock.lock();
        try {
            cancelNow = startGraceIfUnread();
        } finally {
            lock.unlock();
        }
        if (cancelNow) {
            cancel();
        }
    }

    /** Under the lock: with no reader left, starts the grace timer; true when the grace is 0 (cancel now). */
    private boolean startGraceIfUnread() {
        if (!readers.isEmpty() || terminated || closed || graceTimer != null) {
            return false;
        }
        long grace = runtime.limits().detachGraceNanos();
        if (grace == 0) {
            return true;
        }
        graceTimer = runtime.scheduler().schedule(this::graceOver, grace, TimeUnit.NANOSECONDS);
        return false;
    }

    /**
     * Stops the generation now: appends {@code end} with {@code finish_reason: "cancelled"} and cancels the
     * backend. Returns false when the stream had already ended.
     */
    public boolean cancel() {
        return endByServer(new ChatEvent.End(FinishReason.CANCELLED, null));
    }

    private void graceOver() {
        if (readers.isEmpty()) {
            cancel();
        }
    }

    private void expire() {
        endByServer(new ChatEvent.End(FinishReason.TIMEOUT, null));
    }

    private boolean endByServer(ChatEvent terminalEvent) {
        boolean appended = append(terminalEvent);
        if (appended) {
            cancelGeneration();
        }
        return appended;
    }

    private void cancelGeneration() {
        Generation g = generation;
        if (g != null) {
            try {
                g.cancel();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Backend " + backendName + " failed to cancel stream " + id, e);
            }
        }
    }

    /**
     * The webapp is stopping: every reader gets {@code retry:} with jitter and is completed, without a terminal
     * event; the generation is cancelled.
     */
    StreamReader[] shutdown(java.util.function.LongSupplier jitteredRetry) {
        StreamReader[] r;
        lock.lock();
        try {
            closed = true;
            terminated = true;
            r = readers.removeAll();
            cancelTimers();
        } finally {
            lock.unlock();
        }
        for (StreamReader reader : r) {
            reader.shutdown(jitteredRetry.getAsLong());
        }
        cancelGeneration();
        return r;
    }

    /**
     * A cluster node is stopping and drains: every reader gets {@code retry:} with jitter and is completed, so it
     * reconnects to another node and follows the shared log there; the generation goes on into that log. No reader
     * attaches here any more, and no detach grace starts: nobody reads here, by design.
     */
    StreamReader[] drain(java.util.function.LongSupplier jitteredRetry) {
        StreamReader[] r;
        lock.lock();
        try {
            closed = true;
            r = readers.removeAll();
            if (graceTimer != null) {
                graceTimer.cancel(false);
                graceTimer = null;
            }
        } finally {
            lock.unlock();
        }
        for (StreamReader reader : r) {
            reader.shutdown(jitteredRetry.getAsLong());
        }
        return r;
    }

    /** Completes once the stream has ended and its log holds the end where it keeps it; never fails. */
    CompletableFuture<Void> endFlushed() {
        return endFlushed;
    }

    /**
     * The drain time of a stopping node is over: appends {@code error} / {@code interrupted} and cancels the
     * backend. Returns false when the stream had already ended.
     */
    boolean interrupt() {
        return endByServer(new ChatEvent.Error(ErrorCode.INTERRUPTED,
                "The server that ran this reply stopped before it finished; send the request again."));
    }

    /**
     * The log cannot keep this stream's events any more (its shared store is away for too long): ends with
     * {@code error} / {@code internal}, which the log keeps for when its store returns, and cancels the backend.
     */
    private void logFailed(String message) {
        endByServer(new ChatEvent.Error(ErrorCode.INTERNAL, message));
    }

    /** Ends without an event: the stream never reached a client (the backend was unavailable). */
    private void terminateSilently() {
        lock.lock();
        try {
            terminated = true;
            cancelTimers();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The registry forgets this stream (its retention is over, it never started, or the webapp stopped): its log may
     * let go of the events.
     */
    void expired() {
        log.release();
    }

    private void cancelTimers() {
        if (graceTimer != null) {
            graceTimer.cancel(false);
            graceTimer = null;
        }
        if (maxDurationTimer != null) {
            maxDurationTimer.cancel(false);
            maxDurationTimer = null;
        }
    }

    /**
     * Appends an event unless the stream has ended; wakes the readers. A non-terminal event that would take the log
     * past {@code chat.stream.max-bytes} ends the stream with {@code finish_reason: "length"} instead.
     */
    private boolean append(ChatEvent event) {
        ByteSink json = AppThread.eventBuffer(); // the app's threads reuse their own; a request thread's are few
        EventJson.encode(event, json);
        boolean outgrown = false;
        lock.lock();
        try {
            if (terminated) {
                return false;
            }
            if (!event.isTerminal() && log.bytes() + json.size() > maxBytes) {
                event = new ChatEvent.End(FinishReason.LENGTH, null);
                json.reset();
                EventJson.encode(event, json);
                outgrown = true;
            }
            log.append(json.array(), 0, json.size());
            if (event instanceof ChatEvent.Chunk) {
                chunkEvents++;
            } else if (event instanceof ChatEvent.Reasoning) {
                reasoningEvents++;
            }
            if (event.isTerminal()) {
                terminal = event;
                terminated = true;
                cancelTimers();
            }
        } finally {
            lock.unlock();
        }
        if (firstTokenNanos < 0 && isToken(event)) {
            firstTokenNanos = ageNanos();
            runtime.observer().firstToken(this, firstTokenNanos);
        }
        readers.wakeAll();
        if (event.isTerminal()) {
            log.ended();
            log.flushed().whenComplete((v, t) -> endFlushed.complete(null));
            onTerminated.accept(this);
            runtime.observer().streamEnded(this, (ChatEvent.Terminal) event, ageNanos());
            if (outgrown) {
                cancelGeneration();
            }
        }
        return true;
    }

    private static boolean isToken(ChatEvent e) {
        return e instanceof ChatEvent.Chunk || e instanceof ChatEvent.Reasoning || e instanceof ChatEvent.ToolCallEvent;
    }

    /** The backend's view of this stream. */
    private final class Sink implements ChatSink {
        @Override
        public void reasoning(String text) {
            if (text != null && !text.isEmpty()) {
                append(new ChatEvent.Reasoning(text));
            }
        }

        @Override
        public void chunk(String text) {
            if (text != null && !text.isEmpty()) {
                append(new ChatEvent.Chunk(text));
            }
        }

        @Override
        public void toolCall(ToolCall call) {
            append(new ChatEvent.ToolCallEvent(call));
        }

        @Override
        public void toolResult(String toolCallId, String result) {
            append(new ChatEvent.ToolResult(toolCallId, result));
        }

        @Override
        public void end(FinishReason reason, Usage usage) {
            append(new ChatEvent.End(reason, usage));
        }

        @Override
        public void error(ErrorCode code, String message) {
            append(new ChatEvent.Error(code, message));
        }
    }

    @Override
    public String toString() {
        return "stream " + id;
    }
}
