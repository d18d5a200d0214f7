package io.chatstream.stream;

import io.chatstream.backend.BackendUnavailableException;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatRequest;
import io.chatstream.config.ChatConfig;
import io.chatstream.time.Ticker;
import io.chatstream.tools.ServerTools;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Every stream the webapp holds, running or retained, by id; the server-wide and per-client limits on running
 * generations; and the {@code Idempotency-Key}s of retained streams. The one place a new generation is admitted.
 *
 * <p>Each stream is given what it works with in one {@link StreamRuntime} and tells its end through a callback: a
 * stream never calls into its registry.
 *
 * <p>In a cluster, the {@link SharedStreams} of all nodes admit each generation too (the per-client limit counts
 * every node's, an {@code Idempotency-Key} is found on any node), hear its end, and stop it when a {@code DELETE}
 * reached another node; streams other nodes run are found and followed through them. That path completes later
 * ({@link #openAsync}); on one node it completes at once.
 */
public final class StreamRegistry {

    private static final System.Logger LOG = System.getLogger(StreamRegistry.class.getName());

    private final ChatConfig config;
    private final ChatBackend backend;
    private final String backendName;
    private final ScheduledExecutorService scheduler;
    private final StreamObserver observer;
    /** What each new stream is given. */
    private final StreamRuntime runtime;
    private final Map<String, ChatStream> streams = new ConcurrentHashMap<>();
    private final Map<String, ChatStream> byIdempotencyKey = new ConcurrentHashMap<>();
    private final Admission admission;
    private final SharedStreams shared;
    private volatile boolean stopped;
    private volatile boolean draining;

    /** A registry whose streams mask nothing: for backends that have no secret. */
    public StreamRegistry(ChatConfig config, ChatBackend backend, String backendName,
                          ScheduledExecutorService scheduler, StreamObserver observer) {
        this(config, backend, backendName, scheduler, observer, SecretMasker.NONE, ServerTools.NONE,
                EventLogs.IN_MEMORY);
    }

    /**
     * @param masker what every stream masks in its backend's output: the secrets the backend sends upstream
     * @param tools  the server tools ({@code chat.tools}) every reply offers the model and runs
     * @param logs   where each stream keeps its events: {@link EventLogs#IN_MEMORY}, or a log other nodes read too
     */
    public StreamRegistry(ChatConfig config, ChatBackend backend, String backendName,
                          ScheduledExecutorService scheduler, StreamObserver observer, SecretMasker masker,
                          ServerTools tools, EventLogs logs) {
        this(config, backend, backendName, scheduler, observer, masker, tools, logs, Ticker.SYSTEM);
    }

    /**
     * @param ticker the clock of the streams' lifetimes; {@code scheduler}'s own clock, so timers and ages agree
     */
    public StreamRegistry(ChatConfig config, ChatBackend backend, String backendName,
                          ScheduledExecutorService scheduler, StreamObserver observer, SecretMasker masker,
                          ServerTools tools, EventLogs logs, Ticker ticker) {
        this(config, backend, backendName, scheduler, observer, masker, tools, logs, ticker, SharedStreams.ONE_NODE);
    }

    /**
     * @param shared the streams of all nodes: {@link SharedStreams#ONE_NODE}, or a cluster's
     */
    public StreamRegistry(ChatConfig config, ChatBackend backend, String backendName,
                          ScheduledExecutorService scheduler, StreamObserver observer, SecretMasker masker,
                          ServerTools tools, EventLogs logs, Ticker ticker, SharedStreams shared) {
        this.shared = shared;
        shared.onStopRequested(this::stopRequested);
        this.config = config;
        this.backend = backend;
        this.backendName = backendName;
        this.scheduler = scheduler;
        this.observer = observer;
        this.admission = new Admission(config.maxStreams(), config.maxStreamsPerClient());
        this.runtime = new StreamRuntime(ticker, scheduler, observer, masker, tools, logs,
                StreamRuntime.Limits.of(config));
    }

    /** Why a generation was not admitted. */
    public enum Refusal {
        /** {@code chat.limits.max-streams-per-client} reached: 429. */
        TOO_MANY_FOR_CLIENT,
        /** {@code chat.limits.max-streams} reached, or the webapp is stopping: 503. */
        TOO_MANY,
        /** The {@code Idempotency-Key} is that of a retained stream of another request: 422. */
        KEY_REUSED,
        /** The streams of the other nodes could not be asked (Redis is away or slow): 503, soon again. */
        UNAVAILABLE
    }

    /** A generation was refused; nothing was started. */
    public static final class RefusedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final Refusal refusal;

        RefusedException(Refusal refusal) {
            super(refusal.name(), null, false, false);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    /**
     * A stream for {@code request}: with an {@code idempotencyKey} already used by the same client for a retained
     * stream, that stream (no new generation); otherwise a new, started generation.
     *
     * @param clientKey      the client the limits count: its principal, else its address
     * @param principal      the authenticated principal, or null
     * @param idempotencyKey the request's {@code Idempotency-Key}, or null
     * @throws RefusedException            a limit is reached
     * @throws BackendUnavailableException the backend cannot start a reply
     */
    public ChatStream open(ChatRequest request, String clientKey, String principal, String idempotencyKey)
            throws RefusedException, BackendUnavailableException {
        return open(request, null, clientKey, principal, idempotencyKey, null);
    }

    /**
     * As {@link #open(ChatRequest, String, String, String)}, where a repeated {@code idempotencyKey} attaches only
     * when the request is the same: the same {@code fingerprint} as the one that started the stream; and for a reply
     * that writes the conversation message {@code conversationReply} (null: none). A stream found by its
     * {@code Idempotency-Key} keeps its own.
     *
     * @param fingerprint the request's fingerprint ({@code ParsedRequest.fingerprint()}); null compares nothing
     * @throws RefusedException {@link Refusal#KEY_REUSED} when the key is that of a stream of another request
     */
    public ChatStream open(ChatRequest request, String fingerprint, String clientKey, String principal,
                           String idempotencyKey, ConversationReply conversationReply)
            throws RefusedException, BackendUnavailableException {
        String idemKey = idempotencyKey == null ? null : clientKey + '\n' + idempotencyKey;
        if (idemKey != null) {
            ChatStream existing = byIdempotencyKey.get(idemKey);
            if (existing != null) {
                return repeated(existing, fingerprint);
            }
        }
        if (stopped) {
            throw new RefusedException(Refusal.TOO_MANY);
        }
        admit(clientKey);
        String model = request.model() != null ? request.model() : backend.defaultModel();
        return startAdmitted(StreamIds.next(), request, fingerprint, clientKey, principal, model, idemKey,
                conversationReply);
    }

    /**
     * As {@link #open(ChatRequest, String, String, String, String, ConversationReply)}, asking the streams of all
     * nodes too: the answer is this node's new or retained stream, or, for an {@code Idempotency-Key} another node's
     * stream holds, that stream as followed from here. Fails with a {@link RefusedException} or a
     * {@link BackendUnavailableException}; on one node it is complete when returned.
     */
    public CompletionStage<StreamSource> openAsync(ChatRequest request, String fingerprint, String clientKey,
                                                   String principal, String idempotencyKey,
                                                   ConversationReply conversationReply) {
        if (!shared.enabled()) {
            try {
                return CompletableFuture.completedFuture(open(request, fingerprint, clientKey, principal,
                        idempotencyKey, conversationReply));
            } catch (RefusedException | BackendUnavailableException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        String idemKey = idempotencyKey == null ? null : clientKey + '\n' + idempotencyKey;
        String model = request.model() != null ? request.model() : backend.defaultModel();
        String id = StreamIds.next();
        try {
            ChatStream existing = idemKey == null ? null : byIdempotencyKey.get(idemKey);
            if (existing != null) {
                return CompletableFuture.completedFuture(repeated(existing, fingerprint));
            }
            if (stopped) {
                throw new RefusedException(Refusal.TOO_MANY);
            }
            admit(clientKey);
        } catch (RefusedException e) {
            return CompletableFuture.failedFuture(e);
        }
        // the answer comes on a Redis thread; the backend's start runs on the scheduler, which never waits
        return shared.register(id, clientKey, principal, model, fingerprint, idempotencyKey)
                .handleAsync((claim, failure) -> {
                    if (failure != null) {
                        release(clientKey);
                        throw new CompletionException(new RefusedException(Refusal.UNAVAILABLE));
                    }
                    if (claim.outcome() != SharedStreams.Claim.Outcome.REGISTERED) {
                        release(clientKey);
                        return claimed(claim, fingerprint);
                    }
                    if (stopped) { // while Redis answered
                        shared.ended(id);
                        throw new CompletionException(new RefusedException(Refusal.TOO_MANY));
                    }
                    try {
                        return CompletableFuture.<StreamSource>completedFuture(startAdmitted(id, request,
                                fingerprint, clientKey, principal, model, idemKey, conversationReply));
                    } catch (RefusedException | BackendUnavailableException e) {
                        throw new CompletionException(e);
                    }
                }, this::onScheduler).thenCompose(f -> f);
    }

    /**
     * The stream of a repeated {@code Idempotency-Key}, on this node or another; null when no node holds it for
     * this client. Fails with {@link Refusal#KEY_REUSED} for a key of another request, {@link Refusal#UNAVAILABLE}
     * when the other nodes could not be asked.
     *
     * @param fingerprint the repeat's request fingerprint; null compares nothing
     */
    public CompletionStage<StreamSource> findByIdempotencyKeyAsync(String clientKey, String idempotencyKey,
                                                                   String fingerprint) {
        try {
            ChatStream local = findByIdempotencyKey(clientKey, idempotencyKey, fingerprint);
            if (local != null || idempotencyKey == null || !shared.enabled()) {
                return CompletableFuture.completedFuture(local);
            }
        } catch (RefusedException e) {
            return CompletableFuture.failedFuture(e);
        }
        return shared.findByIdempotencyKey(clientKey, idempotencyKey).handle((claim, failure) -> {
            if (failure != null) {
                throw new CompletionException(new RefusedException(Refusal.UNAVAILABLE));
            }
            return claim.isEmpty() ? CompletableFuture.<StreamSource>completedFuture(null)
                    : claimed(claim.get(), fingerprint);
        }).thenCompose(f -> f);
    }

    /** The stream that holds a key, as a repeat with {@code fingerprint} gets it. */
    private CompletionStage<StreamSource> claimed(SharedStreams.Claim claim, String fingerprint) {
        if (claim.outcome() == SharedStreams.Claim.Outcome.TOO_MANY_FOR_CLIENT) {
            return CompletableFuture.failedFuture(new RefusedException(Refusal.TOO_MANY_FOR_CLIENT));
        }
        if (!claim.sameRequest(fingerprint)) {
            return CompletableFuture.failedFuture(new RefusedException(Refusal.KEY_REUSED));
        }
        ChatStream local = streams.get(claim.streamId());
        if (local != null) {
            return CompletableFuture.completedFuture(local);
        }
        return follow(claim.streamId()).thenCompose(s -> s != null ? CompletableFuture.completedFuture(s)
                // the key's stream is known but cannot be read from here: a retry may reach its node
                : CompletableFuture.failedFuture(new RefusedException(Refusal.UNAVAILABLE)));
    }

    /**
     * What the nodes know of a stream this node does not hold: for the principal rule before a stop or a follow.
     * Empty on one node, and when no node knows it.
     */
    public CompletionStage<Optional<SharedStreams.Facts>> findElsewhere(String id) {
        return shared.find(id);
    }

    /** Asks the node that runs stream {@code id} to stop it ({@link #findElsewhere} first, for the principal). */
    public CompletionStage<Boolean> requestStop(String id) {
        return shared.requestStop(id);
    }

    /** Another node's stream, followed from here; null when it cannot be (see {@link SharedStreams#follow}). */
    public CompletionStage<StreamSource> follow(String id) {
        return shared.follow(id);
    }

    /** Runs {@code task} on the scheduler; once it stopped (the webapp stops), here: the stop refuses it then. */
    private void onScheduler(Runnable task) {
        try {
            scheduler.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    /** A stop was asked, on some node, for a stream of this node's. */
    private void stopRequested(String id) {
        ChatStream s = streams.get(id);
        if (s != null) {
            s.cancel();
        }
    }

    /** Starts a generation admitted on this node (and, in a cluster, registered), or finds a repeat's stream. */
    private ChatStream startAdmitted(String id, ChatRequest request, String fingerprint, String clientKey,
                                     String principal, String model, String idemKey,
                                     ConversationReply conversationReply)
            throws RefusedException, BackendUnavailableException {
        ChatStream stream = new ChatStream(id, clientKey, principal, model, backendName, idemKey,
                fingerprint, conversationReply, runtime, this::terminated);
        if (idemKey != null) {
            ChatStream existing = byIdempotencyKey.putIfAbsent(idemKey, stream);
            if (existing != null) {
                release(clientKey);
                shared.ended(id);
                stream.expired();
                return repeated(existing, fingerprint);
            }
        }
        streams.put(stream.id(), stream);
        try {
            stream.start(backend, request);
        } catch (BackendUnavailableException e) {
            expire(stream);
            release(clientKey);
            shared.ended(id);
            throw e;
        }
        observer.streamStarted(stream);
        return stream;
    }

    /** The stream of a repeated key, unless it was started by another request. */
    private static ChatStream repeated(ChatStream existing, String fingerprint) throws RefusedException {
        String first = existing.requestFingerprint();
        if (fingerprint != null && first != null && !fingerprint.equals(first)) {
            throw new RefusedException(Refusal.KEY_REUSED);
        }
        return existing;
    }

    /**
     * The retained stream that a repeat of {@code idempotencyKey} by {@code clientKey} attaches to, or null: a repeat
     * is no new reply, so it is found before the limits on new replies are asked.
     *
     * @param fingerprint the repeat's request fingerprint; null compares nothing
     * @throws RefusedException {@link Refusal#KEY_REUSED}: the key's stream was started by another request
     */
    public ChatStream findByIdempotencyKey(String clientKey, String idempotencyKey, String fingerprint)
            throws RefusedException {
        ChatStream existing = idempotencyKey == null ? null : byIdempotencyKey.get(clientKey + '\n' + idempotencyKey);
        return existing == null ? null : repeated(existing, fingerprint);
    }

    /** The stream with this id, running or retained; null when unknown or expired. */
    public ChatStream find(String id) {
        return id == null ? null : streams.get(id);
    }

    /** Running generations, server-wide. */
    public int running() {
        return admission.running();
    }

    /** Streams held, running or retained. */
    public int size() {
        return streams.size();
    }

    /** Running generations of one client. */
    public int running(String clientKey) {
        return admission.running(clientKey);
    }

    /**
     * The webapp is stopping: refuse new generations; every open reader gets a jittered {@code retry:} (between the
     * configured retry and three times it) and is completed without a terminal event; every generation is cancelled.
     */
    public void shutdown() {
        shutdown(Duration.ZERO);
    }

    /**
     * As {@link #shutdown()}, then waits up to {@code wait} for the readers to write their {@code retry:} (a reader
     * whose socket is busy writes it when the container says it can); those still busy then are completed as they
     * are. Called while the webapp stops, never on a request thread.
     */
    public void shutdown(Duration wait) {
        stopped = true;
        List<ChatStream> all = List.copyOf(streams.values());
        List<StreamReader> readers = new ArrayList<>();
        List<ChatStream> forgotten = new ArrayList<>();
        for (ChatStream s : all) {
            readers.addAll(List.of(s.shutdown(this::shutdownRetryMillis)));
            if (streams.remove(s.id(), s)) { // not when its retention ended meanwhile: it was released then
                forgotten.add(s);
            }
        }
        streams.clear();
        byIdempotencyKey.clear();
        admission.clear();
        awaitClosed(readers, wait);
        readers.removeIf(StreamReader::isClosed);
        readers.forEach(StreamReader::abort);
        forgotten.forEach(ChatStream::expired);
    }

    /**
     * A stopping cluster node's drain, before {@link #shutdown}: refuses new generations; every open reader gets its
     * jittered {@code retry:} (it reconnects to another node, which follows the shared log) and is completed, those
     * still busy after {@code readersWait} as they are; the running generations go on, and this waits up to
     * {@code drainTime} for them to end and their logs to hold the end; those still running then end with
     * {@code error} / {@code interrupted}, waited for in their logs up to {@code flushWait}. Every wait is on the
     * streams' own futures. Called while the webapp stops, never on a request thread.
     */
    public void drain(Duration readersWait, Duration drainTime, Duration flushWait) {
        stopped = true;
        draining = true;
        List<ChatStream> all = List.copyOf(streams.values());
        List<StreamReader> readers = new ArrayList<>();
        List<ChatStream> runningNow = new ArrayList<>();
        for (ChatStream s : all) {
            if (!s.isTerminated()) { // before its readers go: one may end it the moment it is told
                runningNow.add(s);
            }
            readers.addAll(List.of(s.drain(this::shutdownRetryMillis)));
        }
        LOG.log(Level.INFO, "Draining " + runningNow.size() + " replies for up to " + drainTime.toSeconds() + " s");
        long start = runtime.ticker().nanoTime();
        awaitClosed(readers, readersWait);
        readers.removeIf(StreamReader::isClosed);
        readers.forEach(StreamReader::abort);
        Duration left = drainTime.minusNanos(runtime.ticker().nanoTime() - start);
        awaitAll(runningNow.stream().map(ChatStream::endFlushed).toList(), left.isNegative() ? Duration.ZERO : left);
        List<ChatStream> unfinished = runningNow.stream().filter(s -> !s.isTerminated()).toList();
        unfinished.forEach(ChatStream::interrupt);
        awaitAll(unfinished.stream().map(ChatStream::endFlushed).toList(), flushWait);
        LOG.log(Level.INFO, "Drained in " + TimeUnit.NANOSECONDS.toMillis(runtime.ticker().nanoTime() - start) + " ms: "
                + (runningNow.size() - unfinished.size()) + " replies finished, " + unfinished.size()
                + " ended as interrupted");
    }

    /** True from a stopping cluster node's {@link #drain} on: its health says {@code draining}. */
    public boolean draining() {
        return draining;
    }

    /** Waits until every future is done, or {@code wait} is over: what is left then is the caller's to end. */
    private static void awaitAll(List<? extends CompletableFuture<?>> futures, Duration wait) {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                    .get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // left to the caller
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until every reader has closed, or {@code wait} is over. */
    private static void awaitClosed(List<StreamReader> readers, Duration wait) {
        awaitAll(readers.stream().map(StreamReader::closed).toList(), wait);
    }

    /**
     * The {@code retry:} of a reader ended by the webapp's stop: random between the configured retry (at least 1 s)
     * and three times it, so that the clients of a stopped webapp do not all come back at once.
     */
    public long shutdownRetryMillis() {
        long base = Math.max(config.retryMillis(), 1000);
        return base + ThreadLocalRandom.current().nextLong(2 * base + 1);
    }

    /** Called once by a stream when its terminal event is in: frees its admission, schedules its expiry. */
    private void terminated(ChatStream stream) {
        release(stream.clientKey());
        shared.ended(stream.id());
        long retain = config.retain().toNanos();
        if (retain == 0) {
            expire(stream);
        } else if (!stopped) {
            scheduler.schedule(() -> expire(stream), retain, TimeUnit.NANOSECONDS);
        }
    }

    private void expire(ChatStream stream) {
        if (!streams.remove(stream.id(), stream)) {
            return; // forgotten already: by the webapp's stop
        }
        if (stream.idempotencyKey() != null) {
            byIdempotencyKey.remove(stream.idempotencyKey(), stream);
        }
        stream.expired();
    }

    private void admit(String clientKey) throws RefusedException {
        admission.admit(clientKey);
    }

    private void release(String clientKey) {
        if (!stopped) {
            admission.release(clientKey);
        }
    }
}
