package io.chatstream.app;

import io.chatstream.backend.BackendContext;
import io.chatstream.backend.ChatBackend;
import io.chatstream.cluster.ClusterNode;
import io.chatstream.cluster.ClusterSettings;
import io.chatstream.cluster.RedisConnection;
import io.chatstream.cluster.RedisUrl;
import io.chatstream.config.ChatConfig;
import io.chatstream.config.ConfigException;
import io.chatstream.config.ModelsConfig;
import io.chatstream.config.Settings;
import io.chatstream.config.ToolsConfig;
import io.chatstream.metrics.ClusterCounts;
import io.chatstream.models.ModelCatalog;
import io.chatstream.limits.InMemoryRateLimiter;
import io.chatstream.limits.Limits;
import io.chatstream.limits.RateLimiter;
import io.chatstream.limits.RedisRateLimiter;
import io.chatstream.limits.ReplyLimits;
import io.chatstream.conversation.Conversations;
import io.chatstream.conversation.ReplyRecorder;
import io.chatstream.store.StoreConfig;
import io.chatstream.protocol.ChatRequestParser;
import io.chatstream.stream.EventLogs;
import io.chatstream.stream.SecretMasker;
import io.chatstream.stream.SharedStreams;
import io.chatstream.stream.StreamObserver;
import io.chatstream.stream.StreamRegistry;
import io.chatstream.stream.BatchingExecutors;
import io.chatstream.time.Ticker;
import io.chatstream.tools.ServerTools;

import java.lang.System.Logger.Level;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The composition root: everything one webapp shares, built at context start and closed at context stop, the same
 * way in the WAR and in the dev server. It knows nothing of servlets.
 *
 * <p>Owns: the settings, one scheduler (all timers: demo tokens, keep-alives, grace, retention), one HTTP client
 * (created when a backend first asks), the backend, the server tools of {@code chat.tools} with their pool for tools
 * that block, the stream registry, the limits on new replies and, where {@code chat.cluster.redis-url} is set, the
 * node's {@link ClusterNode} (its Redis connection and what it shares through it); unless {@code chat.store.url} is
 * {@code off}, the conversation store with its own bounded pool of {@code chat-store} threads, the only threads that
 * wait on the database.
 */
public final class ChatApplication implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ChatApplication.class.getName());
    /** How long {@link #close()} gives busy connections to take their {@code retry:}. */
    private static final Duration READERS_WAIT = Duration.ofSeconds(2);
    /** How long the {@code interrupted} ends a drain writes get to reach Redis before the node lets go of it. */
    private static final Duration INTERRUPTED_FLUSH_WAIT = Duration.ofSeconds(2);
    /** The bound on the whole of {@link #close()}. */
    private static final Duration CLOSE_BOUND = Duration.ofSeconds(10);
    /** The most a pool of a start-up that failed half-way is given to end. */
    private static final Duration POOL_WAIT = Duration.ofSeconds(5);

    private final Settings settings;
    private final ChatConfig config;
    private final ScheduledThreadPoolExecutor scheduler;
    private final PoolThreads schedulerThreads = new PoolThreads(BatchingExecutors.threads("chat-scheduler"));
    private final Context context;
    private final String backendName;
    private final ChatBackend backend;
    private final ServerTools tools;
    private final StreamRegistry registry;
    private final StreamObserver observer;
    private final ChatRequestParser requestParser;
    private final ModelCatalog models;
    /** This node's part in a cluster; null on one node, whose stop does not drain. */
    private final ClusterNode cluster;
    private final RateLimiter rateLimiter;
    private final ReplyLimits replyLimits;
    /** Null where {@code chat.store.url} is {@code off}; then so are the two below. */
    private final Conversations conversations;
    private final StorePool store;

    private ChatApplication(Settings settings, ChatConfig config, Limits limits, RedisUrl redisUrl,
                            StoreConfig storeConfig, List<StreamObserver> extraObservers, ClassLoader backends,
                            Clock clock) {
        ModelsConfig modelsConfig = ModelsConfig.load(settings); // before anything is started that would need closing
        ToolsConfig toolsConfig = ToolsConfig.load(settings);
        ClusterSettings clusterSettings = ClusterSettings.load(settings);
        this.settings = settings;
        this.config = config;
        this.scheduler = BatchingExecutors.scheduler(config.schedulerThreads(), schedulerThreads);
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        scheduler.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        this.context = new Context();
        List<StreamObserver> observers = new ArrayList<>(extraObservers);
        observers.add(new StreamLog());
        StreamObserver others = CompositeObserver.of(observers);
        // Redis may be away now: the node's parts begin whenever it comes; a generation meanwhile is refused with 503
        this.cluster = redisUrl == null ? null : ClusterNode.start(redisUrl, clusterSettings, config.retain(),
                config.maxDuration(), scheduler);
        this.rateLimiter = !limits.enabled() ? RateLimiter.NONE
                : cluster != null ? new RedisRateLimiter(limits, cluster.redis())
                : new InMemoryRateLimiter(limits, clock);
        this.replyLimits = new ReplyLimits(limits, rateLimiter, others, clock);
        if (limits.enabled()) {
            observers.add(replyLimits);
            scheduler.scheduleWithFixedDelay(this::sweepLimits, 1, 1, TimeUnit.MINUTES);
        }
        this.backendName = config.backend();
        try {
            this.tools = ServerTools.load(toolsConfig, settings, clock, backends, scheduler);
        } catch (RuntimeException e) {
            closeRedis();
            close(scheduler, schedulerThreads);
            throw e;
        }
        try {
            this.backend = BackendProviders.find(config.backend(), backends).create(context);
        } catch (RuntimeException e) {
            tools.close();
            closeRedis();
            close(scheduler, schedulerThreads);
            throw e;
        }
        // after the backend, whose settings are checked first: a start-up that fails there leaves no database
        if (storeConfig.off()) {
            store = null;
            conversations = null;
        } else {
            try {
                store = StorePool.open(storeConfig, backends);
            } catch (RuntimeException e) {
                closeBackend(Deadline.in(POOL_WAIT));
                tools.close();
                closeRedis();
                close(scheduler, schedulerThreads);
                throw e;
            }
            ReplyRecorder replies = new ReplyRecorder(store.store(), scheduler, Clock.systemUTC(),
                    storeConfig.checkpoint());
            observers.add(replies);
            conversations = new Conversations(store.store(), replies, Clock.systemUTC());
        }
        this.observer = CompositeObserver.of(observers);
        // after the backend's creation, in which it read its keys: those are what replies must never show
        SharedStreams shared = cluster == null ? SharedStreams.ONE_NODE
                : cluster.sharedStreams(config.maxStreamsPerClient());
        this.registry = new StreamRegistry(config, backend, backendName, scheduler, observer,
                SecretMasker.of(settings.apiKeysRead()), tools, cluster != null ? cluster.eventLogs() : EventLogs.IN_MEMORY,
                Ticker.SYSTEM, shared);
        this.requestParser = new ChatRequestParser(config.maxMessages(), config.maxBodyBytes());
        // a listing gets the patience of a reply's first byte: the connection, then the idle timeout
        this.models = new ModelCatalog(backend, System::nanoTime, scheduler, modelsConfig.cacheFor(),
                context.connectTimeout().plus(context.idleTimeout()));
        if (conversations != null) {
            conversations.replies().start();
        }
    }

    /**
     * Reads and validates the settings and starts everything.
     *
     * @param observers extra listeners to every stream (metrics)
     * @throws ConfigException a setting is bad; its message names it
     */
    public static ChatApplication start(Settings settings, List<StreamObserver> observers) {
        return start(settings, observers, ChatApplication.class.getClassLoader());
    }

    /**
     * As {@link #start(Settings, List)}, finding backends through {@code backends}: in a webapp, its class loader,
     * which sees the jars of {@code WEB-INF/lib} wherever this class itself was loaded from.
     */
    public static ChatApplication start(Settings settings, List<StreamObserver> observers, ClassLoader backends) {
        return start(settings, observers, backends, "", Clock.systemUTC());
    }

    /**
     * As {@link #start(Settings, List, ClassLoader)} for the webapp at {@code contextPath}, which names the default
     * {@code chat.store.dir} (two webapps in one container never share a database file), with the clock the limits
     * of one node count time on (tests move it by hand; a cluster's limits use Redis' clock).
     */
    public static ChatApplication start(Settings settings, List<StreamObserver> observers, ClassLoader backends,
                                        String contextPath, Clock clock) {
        ChatConfig config = ChatConfig.load(settings);
        Limits limits = Limits.load(settings);
        // before the store's settings, which refuse the embedded database beside a Redis URL: a malformed URL is
        // what to report then
        RedisUrl redisUrl = ClusterSettings.redisUrl(settings);
        StoreConfig storeConfig = StoreConfig.load(settings, contextPath);
        ChatApplication app = new ChatApplication(settings, config, limits, redisUrl, storeConfig, observers,
                backends, clock);
        LOG.log(Level.INFO, "Chat server started: backend " + app.backendName + ", keep-alive "
                + config.keepAlive().toSeconds() + " s, auth " + config.authMode().name().toLowerCase()
                + (app.tools.names().isEmpty() ? "" : ", tools " + String.join(", ", app.tools.names()))
                + (limits.enabled() ? ", limits " + limits.repliesPerMinute() + " replies a minute and "
                + limits.tokensPerDay() + " tokens a day (0: none), counted "
                + (app.cluster != null ? "in Redis at " + app.cluster.redis().url() : "on this node") : "")
                + (app.cluster != null ? ", cluster node " + app.cluster.nodeId() + " sharing streams through"
                + " Redis at " + app.cluster.redis().url() : ""));
        return app;
    }

    public Settings settings() {
        return settings;
    }

    public ChatConfig config() {
        return config;
    }

    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    public StreamRegistry registry() {
        return registry;
    }

    public StreamObserver observer() {
        return observer;
    }

    public String backendName() {
        return backendName;
    }

    public ChatBackend backend() {
        return backend;
    }

    /** The server tools {@code chat.tools} switched on ({@link ServerTools#NONE} when none). */
    public ServerTools tools() {
        return tools;
    }

    public ChatRequestParser requestParser() {
        return requestParser;
    }

    /** The backend's models, as {@code GET /api/models} serves them. */
    public ModelCatalog models() {
        return models;
    }

    public BackendContext backendContext() {
        return context;
    }

    /** The admission of new replies to {@code chat.limits.replies-per-minute} and {@code tokens-per-day}. */
    public ReplyLimits replyLimits() {
        return replyLimits;
    }

    /** The node's Redis connection, or null on one node (no {@code chat.cluster.redis-url}). */
    public RedisConnection redis() {
        return cluster == null ? null : cluster.redis();
    }

    /** What this node saw of Redis, for the metrics; null on one node. */
    public ClusterCounts clusterCounts() {
        if (cluster == null) {
            return null;
        }
        RedisConnection redis = cluster.redis();
        return new ClusterCounts(redis.errors(), redis.reconnects(), cluster.logLag());
    }

    private void sweepLimits() {
        if (rateLimiter instanceof InMemoryRateLimiter memory) {
            memory.sweep();
        }
        replyLimits.sweep();
    }

    /** Closes the node's part in the cluster, the connection to Redis last. */
    private void closeRedis() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The conversations kept on the server, or null where {@code chat.store.url} is {@code off}. */
    public Conversations conversations() {
        return conversations;
    }

    /**
     * Stops, bounded by {@link #CLOSE_BOUND}: {@link #endStreams(Duration)} with {@link #READERS_WAIT}, then
     * {@link #close(Deadline)}. The webapp's stop runs these steps itself, between its own (see the web layer's
     * {@code StopSequence}); this is for whoever holds an application without a webapp (tests, tools).
     */
    @Override
    public void close() {
        Deadline deadline = Deadline.in(CLOSE_BOUND);
        endStreams(deadline.atMost(READERS_WAIT));
        close(deadline);
    }

    /**
     * Closes what the streams used, then the pools and stores, and joins their threads, each wait within
     * {@code deadline}: the model listings, the reply saves (the queued ones run, up to 5 s), the backend and its
     * HTTP client, the tools, the store, the shared logs and the stream directory, Redis, and the scheduler last
     * (the steps before still cancel its timers).
     * Any stream still open is ended first, without waiting for its readers (none, after {@link #endStreams}).
     */
    public void close(Deadline deadline) {
        registry.shutdown(Duration.ZERO);
        models.close();
        if (conversations != null) {
            conversations.replies().close();
        }
        closeBackend(deadline);
        tools.close();
        if (store != null) {
            store.close(deadline);
        }
        closeRedis();
        schedulerThreads.stop(scheduler, deadline);
        LOG.log(Level.INFO, "Chat server stopped");
    }

    private void closeBackend(Deadline deadline) {
        try {
            backend.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Backend " + backendName + " failed to close", e);
        }
        context.closeHttp(deadline);
    }

    /**
     * Every open stream gets its jittered {@code retry:} and is completed, no new one starts, and every generation
     * is cancelled; waits up to {@code wait} for busy connections to take the {@code retry:}, then ends those still
     * busy. The stop's first steps: the stream registry refuses, tells, waits and ends, in that order.
     */
    public void endStreams(Duration wait) {
        registry.shutdown(wait);
    }

    /**
     * How long a stop may take beyond its own steps: {@code chat.cluster.drain-seconds} on a cluster node (its
     * running generations go on that long), zero on one node.
     */
    public Duration drainTime() {
        return cluster == null ? Duration.ZERO : cluster.drain();
    }

    /**
     * As {@link #endStreams(Duration)}, but on a cluster node the running generations go on into the shared log for
     * up to {@code chat.cluster.drain-seconds} (within {@code deadline}) once their readers got their {@code retry:};
     * those still running then end with {@code error} / {@code interrupted}, written to the shared log so readers on
     * other nodes see it. On one node this is {@link #endStreams(Duration)} with {@code readersWait}.
     */
    public void drainStreams(Duration readersWait, Deadline deadline) {
        if (cluster != null) {
            registry.drain(readersWait, deadline.atMost(cluster.drain()), deadline.atMost(INTERRUPTED_FLUSH_WAIT));
        }
        endStreams(cluster != null ? Duration.ZERO : deadline.atMost(readersWait));
    }

    /** As {@link PoolThreads#stop} within 5 s: a start-up that failed half-way. */
    private static void close(ExecutorService executor, PoolThreads threads) {
        threads.stop(executor, Deadline.in(POOL_WAIT));
    }

    /** What backends get: settings, the scheduler, the lazily made HTTP client. */
    private final class Context implements BackendContext {
        private final Duration connectTimeout;
        private final Duration idleTimeout;
        private HttpClient httpClient;
        private ExecutorService httpExecutor;
        private PoolThreads httpThreads;

        Context() {
            connectTimeout = Duration.ofSeconds(settings.integer("chat.upstream.connect-timeout-seconds", 10, 1, 3600));
            idleTimeout = Duration.ofSeconds(settings.integer("chat.upstream.idle-timeout-seconds", 60, 1, 86_400));
        }

        @Override
        public Settings settings() {
            return settings;
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return scheduler;
        }

        @Override
        public synchronized HttpClient httpClient() {
            if (httpClient == null) {
                // a small fixed pool runs the client's callbacks: they parse and hand off, never wait
                httpThreads = new PoolThreads(BatchingExecutors.threads("chat-http"));
                httpExecutor = BatchingExecutors.fixed(2, httpThreads);
                // the client's selector thread inherits the class loader of the thread that builds it; on Java 17
                // it outlives close() until the client is collected, so it must not hold the webapp's loader
                Thread self = Thread.currentThread();
                ClassLoader loader = self.getContextClassLoader();
                self.setContextClassLoader(ClassLoader.getSystemClassLoader());
                try {
                    httpClient = HttpClient.newBuilder()
                            .connectTimeout(connectTimeout)
                            .executor(httpExecutor)
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .build();
                } finally {
                    self.setContextClassLoader(loader);
                }
            }
            return httpClient;
        }

        @Override
        public Duration connectTimeout() {
            return connectTimeout;
        }

        @Override
        public Duration idleTimeout() {
            return idleTimeout;
        }

        synchronized void closeHttp(Deadline deadline) {
            if (httpClient == null) {
                return;
            }
            try {
                // shutdownNow() and awaitTermination() exist from Java 21; on 17 the selector thread ends once the
                // client is unreferenced
                HttpClient.class.getMethod("shutdownNow").invoke(httpClient);
                HttpClient.class.getMethod("awaitTermination", Duration.class).invoke(httpClient,
                        deadline.atMost(POOL_WAIT));
            } catch (ReflectiveOperationException e) {
                LOG.log(Level.DEBUG, "HttpClient.shutdownNow() is not available on this Java");
            }
            httpClient = null;
            httpThreads.stop(httpExecutor, deadline);
        }
    }
}
