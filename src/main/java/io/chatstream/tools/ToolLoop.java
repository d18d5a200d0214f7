package io.chatstream.tools;

import io.chatstream.backend.BackendUnavailableException;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import io.chatstream.backend.ToolChoice;
import io.chatstream.backend.ToolDefinition;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One reply with server tools ({@code SPEC.md} section 12): a decorator around the backend's rounds that the stream
 * sees as one generation reporting to one sink.
 *
 * <p>Rules:
 * <ul>
 *   <li>The server tools' definitions are added to the request's own (client) tools; a client tool of the same
 *       name wins: that name is then the client's to run.</li>
 *   <li>Each round's {@code reasoning}, {@code chunk} and {@code tool_call} events pass on as they come. A round
 *       that ends with anything but {@code tool_calls} ends the reply: its {@code end} (usage summed over the
 *       rounds that reported one) or {@code error} is the stream's one terminal event.</li>
 *   <li>A round that ends with {@code tool_calls}, all of them server tools: the calls run in parallel, each
 *       bounded by {@code chat.tools.timeout-seconds}; one {@code tool_result} per call is streamed <b>as each
 *       call completes</b> (completion order; the result names its call). A tool that throws or times out has the
 *       result {@code error: <what happened>}, which the model reads. When every call has its result, the next
 *       round starts: the same request, its history plus the assistant message of this round (its text and
 *       calls) and one {@code tool} message per call, in call order.</li>
 *   <li>A round that calls any client tool (a name that is no server tool): its server calls run first and their
 *       {@code tool_result}s are streamed, then the reply ends with {@code tool_calls}; the client runs its own
 *       calls and sends back every call with its result, the server ones taken from the stream.</li>
 *   <li>{@code chat.tools.max-rounds} rounds at most: when the last allowed round asks for server tools only, the
 *       calls are not run and the reply ends with {@code length}.</li>
 *   <li>Each call id names one call of the reply: a call whose id an earlier round's call had gets
 *       {@code _<round>} appended, in the stream and in the history.</li>
 *   <li>After the first round a {@code tool_choice} of {@code required} or one named function is dropped (the
 *       provider's default), so that a forced call does not repeat until the rounds run out.</li>
 *   <li>{@link #cancel()} (DELETE, the detach grace, the maximum duration) cancels the running round's upstream
 *       and fires the cancellation signal of every running call; results that come later are dropped.</li>
 * </ul>
 *
 * <p>Calls to the downstream sink never overlap: they are made under one lock, whichever thread (the backend's, the
 * scheduler's) reports. A tool's work never runs on the scheduler: {@link ChatTool#call} returns at once, and tools
 * that block use {@link BlockingToolPool}.
 */
final class ToolLoop implements Generation {

    private static final System.Logger LOG = System.getLogger(ToolLoop.class.getName());

    private final ServerTools tools;
    private final ChatBackend backend;
    private final ChatSink out;
    private final String principal;
    /** The server tools this reply offers: those no client tool of the request shadows. */
    private final Set<String> serverNames = new HashSet<>();
    /** The ids of the calls streamed so far in this reply; guarded by the lock. */
    private final Set<String> callIds = new HashSet<>();
    private final ReentrantLock lock = new ReentrantLock();

    private ChatRequest request;
    private int round;
    private long promptTokens;
    private long completionTokens;
    private boolean usageKnown;
    private volatile boolean cancelled;
    /** The terminal call is out; guarded by the lock. */
    private boolean ended;
    private volatile Round current;

    ToolLoop(ServerTools tools, ChatBackend backend, ChatRequest request, ChatSink out, String principal) {
        this.tools = tools;
        this.backend = backend;
        this.out = out;
        this.principal = principal;
        Set<String> clientNames = new HashSet<>();
        request.tools().forEach(t -> clientNames.add(t.name()));
        List<ToolDefinition> offered = new ArrayList<>(request.tools());
        for (ToolDefinition d : tools.definitions()) {
            if (!clientNames.contains(d.name())) {
                offered.add(d);
                serverNames.add(d.name());
            }
        }
        this.request = request.withTools(offered, request.toolChoice());
    }

    /** Starts the first round; a backend that cannot take it throws, and no stream starts. */
    Generation start() throws BackendUnavailableException {
        startRound();
        return this;
    }

    private void startRound() throws BackendUnavailableException {
        Round r = new Round(++round);
        current = r;
        Generation g = backend.start(request, r);
        r.generation = g;
        if (cancelled && g != null) {
            g.cancel();
        }
    }

    @Override
    public void cancel() {
        List<Call> running;
        lock.lock();
        try {
            if (cancelled) {
                return;
            }
            cancelled = true;
            Round r = current;
            running = r == null ? List.of() : List.copyOf(r.running);
        } finally {
            lock.unlock();
        }
        Round r = current;
        Generation g = r == null ? null : r.generation;
        if (g != null) {
            g.cancel();
        }
        for (Call c : running) {
            c.abandon();
        }
    }

    /** Under the lock: the reply's one {@code end}, with the rounds' usage. */
    private void endReply(FinishReason reason) {
        ended = true;
        out.end(reason, total());
    }

    /** Under the lock: the reply's one {@code error}. */
    private void failReply(ErrorCode code, String message) {
        ended = true;
        out.error(code, message);
    }

    /** Sums a round's usage into the reply's; null stays unknown. */
    private void count(Usage usage) {
        if (usage != null) {
            promptTokens += usage.promptTokens();
            completionTokens += usage.completionTokens();
            usageKnown = true;
        }
    }

    private Usage total() {
        return usageKnown ? new Usage(promptTokens, completionTokens) : null;
    }

    /** The result text of a call that failed: {@code error: <message>}. */
    static String errorText(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String m = cause.getMessage();
        return "error: " + (m == null || m.isBlank() ? "the tool failed (" + cause.getClass().getSimpleName() + ")"
                : m);
    }

    /** One model round: the sink the backend reports to, and the calls it asked for. */
    private final class Round implements ChatSink {
        final int number;
        volatile Generation generation;
        final StringBuilder text = new StringBuilder();
        final List<ToolCall> calls = new ArrayList<>();
        /** Results by call id, in call order once complete; guarded by the loop's lock. */
        final Map<String, String> results = new LinkedHashMap<>();
        /** The backend's id of a call to the id it was streamed with, where {@link #distinct} changed it. */
        final Map<String, String> renamed = new HashMap<>();
        final List<Call> running = new ArrayList<>();
        int waiting;

        Round(int number) {
            this.number = number;
        }

        /** True while this round is the reply's live one; a stale or cancelled round's reports are dropped. */
        private boolean live() {
            return !cancelled && !ended && current == this;
        }

        @Override
        public void reasoning(String text) {
            lock.lock();
            try {
                if (live()) {
                    out.reasoning(text);
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void chunk(String chunk) {
            lock.lock();
            try {
                if (live() && chunk != null) {
                    text.append(chunk);
                    out.chunk(chunk);
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void toolCall(ToolCall call) {
            lock.lock();
            try {
                if (live()) {
                    ToolCall c = distinct(call);
                    calls.add(c);
                    out.toolCall(c);
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void toolResult(String toolCallId, String result) {
            lock.lock();
            try {
                if (live()) {
                    String id = renamed.getOrDefault(toolCallId, toolCallId);
                    results.put(id, result); // the backend ran this one itself
                    out.toolResult(id, result);
                }
            } finally {
                lock.unlock();
            }
        }

        /**
         * Under the lock: {@code call}, or a copy whose id has {@code _<round>} appended when the reply already
         * streamed a call with that id. Backends that get no ids from their upstream number each round's calls
         * from {@code call_0} (Ollama), and an id must name one call in the stream and in the history.
         */
        private ToolCall distinct(ToolCall call) {
            if (callIds.add(call.id())) {
                return call;
            }
            String id = call.id() + "_" + number;
            for (int n = 2; !callIds.add(id); n++) {
                id = call.id() + "_" + number + "_" + n;
            }
            renamed.put(call.id(), id);
            return new ToolCall(id, call.name(), call.arguments());
        }

        @Override
        public void error(ErrorCode code, String message) {
            lock.lock();
            try {
                if (live()) {
                    failReply(code, message);
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void end(FinishReason reason, Usage usage) {
            List<Call> toRun = new ArrayList<>();
            lock.lock();
            try {
                if (!live()) {
                    return;
                }
                count(usage);
                List<ToolCall> pending = calls.stream().filter(c -> !results.containsKey(c.id())).toList();
                if (reason != FinishReason.TOOL_CALLS || pending.isEmpty()) {
                    endReply(reason);
                    return;
                }
                boolean clientCalls = pending.stream().anyMatch(c -> !serverNames.contains(c.name()));
                if (!clientCalls && number >= tools.maxRounds()) {
                    endReply(FinishReason.LENGTH);
                    return;
                }
                for (ToolCall c : pending) {
                    if (serverNames.contains(c.name())) {
                        toRun.add(new Call(this, c));
                    }
                }
                if (toRun.isEmpty()) {
                    endReply(FinishReason.TOOL_CALLS);
                    return;
                }
                running.addAll(toRun);
                waiting = toRun.size();
            } finally {
                lock.unlock();
            }
            for (Call c : toRun) {
                hand(c::begin);
            }
        }

        /** Under the lock: every call of the round has its result. */
        void allDone() {
            boolean clientCalls = calls.stream().anyMatch(c -> !results.containsKey(c.id()));
            if (clientCalls) {
                endReply(FinishReason.TOOL_CALLS);
                return;
            }
            List<ChatMessage> history = new ArrayList<>(request.messages());
            history.add(ChatMessage.assistantCalls(text.toString(), calls));
            for (ToolCall c : calls) {
                history.add(ChatMessage.toolResult(c.id(), results.get(c.id())));
            }
            ChatRequest next = request.withMessages(history);
            ToolChoice choice = next.toolChoice();
            if (choice != null && (choice.mode() == ToolChoice.Mode.REQUIRED
                    || choice.mode() == ToolChoice.Mode.FUNCTION)) {
                next = next.withTools(next.tools(), null);
            }
            request = next;
            hand(this::next);
        }

        /** Starts the next round, off the thread of the tool that finished last. */
        private void next() {
            lock.lock();
            try {
                if (cancelled || ended) {
                    return;
                }
                try {
                    startRound();
                } catch (BackendUnavailableException e) {
                    failReply(ErrorCode.UPSTREAM_ERROR, "The model could not be asked again after the tools ran.");
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "The backend failed to start round " + round + " of a reply", e);
                    failReply(ErrorCode.INTERNAL, "The backend failed to continue the reply after the tools ran.");
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Runs {@code task} on the webapp's scheduler: short hand-offs only. */
    private void hand(Runnable task) {
        try {
            tools.scheduler().execute(task);
        } catch (RejectedExecutionException e) {
            LOG.log(Level.DEBUG, "The webapp is stopping: a tool call's follow-up is dropped");
        }
    }

    /** One server call of a round: its tool's stage, its timeout, its first result wins. */
    private final class Call {
        final Round round;
        final ToolCall call;
        final ToolCallContext context;
        private ScheduledFuture<?> timer;
        private boolean finished;

        Call(Round round, ToolCall call) {
            this.round = round;
            this.call = call;
            this.context = new ToolCallContext(call.id(), call.arguments(), principal);
        }

        /** On the scheduler: starts the tool and its timer; the tool's {@link ChatTool#call} returns at once. */
        void begin() {
            if (cancelled) {
                return;
            }
            long seconds = tools.timeout().toSeconds();
            ScheduledFuture<?> t = tools.scheduler().schedule(() -> {
                if (finish("error: the tool did not answer within " + seconds + " s")) {
                    context.cancel();
                }
            }, tools.timeout().toNanos(), TimeUnit.NANOSECONDS);
            lock.lock();
            try {
                timer = t;
            } finally {
                lock.unlock();
            }
            CompletionStage<String> stage;
            try {
                stage = tools.tool(call.name()).call(context);
                if (stage == null) {
                    stage = CompletableFuture.completedFuture("error: the tool returned no result");
                }
            } catch (Exception | LinkageError e) {
                stage = CompletableFuture.failedFuture(e);
            }
            stage.whenComplete((result, error) -> hand(() -> {
                if (error != null) {
                    log(error);
                }
                finish(error != null ? errorText(error) : result == null ? "" : result);
            }));
        }

        private void log(Throwable error) {
            Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (e instanceof IllegalArgumentException) {
                LOG.log(Level.DEBUG, "Tool " + call.name() + " refused its arguments: " + e.getMessage());
            } else {
                LOG.log(Level.WARNING, "Tool " + call.name() + " failed", e);
            }
        }

        /** The call's result, unless it has one already or the reply was cancelled; true when it was taken. */
        boolean finish(String result) {
            lock.lock();
            try {
                if (finished) {
                    return false;
                }
                finished = true;
                if (timer != null) {
                    timer.cancel(false);
                }
                round.running.remove(this);
                if (!round.live()) {
                    return false;
                }
                round.results.put(call.id(), result);
                out.toolResult(call.id(), result);
                if (--round.waiting == 0) {
                    round.allDone();
                }
                return true;
            } finally {
                lock.unlock();
            }
        }

        /** The reply was cancelled: the tool's signal fires, its result will be dropped. */
        void abandon() {
            lock.lock();
            try {
                finished = true;
                if (timer != null) {
                    timer.cancel(false);
                }
            } finally {
                lock.unlock();
            }
            context.cancel();
        }
    }
}
