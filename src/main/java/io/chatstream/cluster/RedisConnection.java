package io.chatstream.cluster;

import io.chatstream.time.Ticker;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.ThreadFactoryProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.concurrent.GlobalEventExecutor;

import javax.net.ssl.SSLException;

import java.lang.System.Logger.Level;
import java.net.MalformedURLException;
import java.net.SocketAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node's one connection to Redis ({@code chat.cluster.redis-url}), shared by everything that needs Redis for
 * short commands: the rate limits and the shared stream logs ({@link RedisEventLogs}, {@link RemoteStreams}). Lettuce multiplexes every command over it, so
 * one connection serves all requests; a blocking read ({@code XREAD BLOCK}) would stall it and must get a
 * connection of its own from {@link #client()}.
 *
 * <p>Nothing waits on it. It connects in the background: start-up goes on whether Redis is there or not, and a
 * first connection that fails is tried again, backing off up to {@value #MAX_RETRY_SECONDS} s; once connected,
 * Lettuce reconnects by itself. While it is disconnected, commands fail at once rather than queue, and every command
 * fails after {@link #COMMAND_TIMEOUT}: callers decide what an unanswered command means (the rate limits let the
 * request through). Losing Redis is logged once, and its return once, however many commands fail meanwhile
 * ({@link #failed}, {@link #answered}). What the operator must fix rather than wait out is said as such: a refused
 * password, a certificate refused either way ({@link #problem}), a command the ACL user is denied.
 *
 * <p>With {@code rediss://} the server's certificate must chain to a CA the JVM trusts and name the URL's host; the
 * JVM's key store gives the client certificate ({@link #sslOptions}).
 *
 * <p>An outage longer than {@code chat.cluster.outage-seconds} (measured on the injected {@link Ticker} from the
 * first failure after the last answer) is where waiting stops: the listeners given to {@link #whenOut} are told once
 * per outage, on the scheduler, and {@link #isOut()} is true until Redis answers again. The shared logs then end the
 * streams whose events cannot be written or read ({@link #outageMessage()}).
 *
 * <p>{@link #close()} closes the connection and shuts down Lettuce's event loops and timer, and waits for their
 * threads, so a container that checks for threads left behind by a stopped webapp finds none.
 */
public final class RedisConnection implements AutoCloseable {

    /** Netty was loaded by a webapp's class loader, not the JVM's: a container reports the threads it leaves. */
    private static final boolean NETTY_IN_WEBAPP =
            GlobalEventExecutor.class.getClassLoader() != ClassLoader.getSystemClassLoader();
    private static final System.Logger LOG = System.getLogger(RedisConnection.class.getName());
    /** How long a command may take before its caller goes on without the answer. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final int MAX_RETRY_SECONDS = 10;

    private final RedisUrl url;
    private final ScheduledExecutorService scheduler;
    private final Ticker ticker;
    /** {@code chat.cluster.outage-seconds}. */
    private final Duration outage;
    /** {@link #ticker} at the first failure after the last answer (or at the start, until the first answer). */
    private volatile long downSince;
    private volatile boolean out;
    private final List<Runnable> outListeners = new CopyOnWriteArrayList<>();
    private final ClientResources resources;
    private final RedisClient client;
    private final RedisURI uri;
    private final AtomicBoolean down = new AtomicBoolean();
    private final LongAdder errors = new LongAdder();
    private final LongAdder reconnects = new LongAdder();
    private static final String UNREACHABLE = "cannot be reached";
    private final Set<String> denials = ConcurrentHashMap.newKeySet();
    /**
     * The kinds of setting to fix (a refused password, a certificate) said during this outage: an outage that began
     * with another reason (a connection that timed out on a loaded machine) still says each once.
     */
    private final Set<String> saidThisOutage = ConcurrentHashMap.newKeySet();
    /** {@link System#nanoTime} of the first answer, and of the first after each outage. */
    private volatile long answeringSince = System.nanoTime();
    /**
     * Every thread Lettuce made, to wait for at close: its executors report termination just before their last
     * thread ends, and a container that looks for the webapp's threads right after would still see that one.
     */
    private final Queue<Thread> threadsMade = new ConcurrentLinkedQueue<>();
    private final ThreadFactoryProvider threads = pool -> {
        ThreadFactory factory = new DefaultThreadFactory(pool, true);
        return task -> {
            Thread t = factory.newThread(task);
            threadsMade.removeIf(old -> old.getState() == Thread.State.TERMINATED);
            threadsMade.add(t);
            return t;
        };
    };
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile ScheduledFuture<?> retry;
    private volatile boolean closed;

    private RedisConnection(RedisUrl url, ScheduledExecutorService scheduler, Ticker ticker, Duration outage) {
        this.url = url;
        this.scheduler = scheduler;
        this.ticker = ticker;
        this.outage = outage;
        this.downSince = ticker.nanoTime();
        // the threads Netty makes inherit the context class loader of the thread that builds them: not the webapp's
        Thread self = Thread.currentThread();
        ClassLoader loader = self.getContextClassLoader();
        self.setContextClassLoader(RedisConnection.class.getClassLoader());
        try {
            this.resources = DefaultClientResources.builder()
                    .threadFactoryProvider(threads)
                    .ioThreadPoolSize(2)
                    .computationThreadPoolSize(1)
                    .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(MAX_RETRY_SECONDS),
                            2, TimeUnit.MILLISECONDS))
                    .build();
        } finally {
            self.setContextClassLoader(loader);
        }
        RedisURI.Builder b = RedisURI.builder().withHost(url.host()).withPort(url.port()).withSsl(url.tls())
                // the certificate must chain to a trusted CA and name the host of the URL, and no setting relaxes it:
                // a node that took any certificate of a trusted CA could be sent to another Redis that holds one
                .withVerifyPeer(SslVerifyMode.FULL)
                // the handshake (HELLO, AUTH, SELECT) of a node that is itself starting may take longer than a command
                .withDatabase(url.database()).withTimeout(CONNECT_TIMEOUT);
        if (url.password() != null) {
            if (url.user() != null) {
                b.withAuthentication(url.user(), url.password().toCharArray());
            } else {
                b.withPassword(url.password().toCharArray());
            }
        }
        this.uri = b.build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // a command while Redis is away fails at once instead of waiting in a queue for the reconnect
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
                .sslOptions(sslOptions())
                .build());
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
                // this comes with the TCP connection, before Redis said a word: only an answer proves it is back
                probe();
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
                // a first connection that fails says why itself (a refused password, an untrusted certificate), and
                // one its user closed (a subscription Redis refused, given up) is no outage
                if (!closed && connection != null && !c.isClosed()) {
                    failed("the connection closed");
                }
            }
        });
    }

    /**
     * As {@link #open(RedisUrl, ScheduledExecutorService, Ticker, Duration)}, on the machine's clock, with the
     * default outage bound.
     */
    public static RedisConnection open(RedisUrl url, ScheduledExecutorService scheduler) {
        return open(url, scheduler, Ticker.SYSTEM, ClusterSettings.DEFAULTS.outage());
    }

    /**
     * Starts connecting to {@code url} in the background and returns at once.
     *
     * @param scheduler where the first connection is tried again when Redis is not there yet, and where the outage
     *                  bound is checked
     * @param ticker    {@code scheduler}'s clock, on which outages are measured
     * @param outage    {@code chat.cluster.outage-seconds}: how long an outage lasts before {@link #whenOut}'s
     *                  listeners are told
     */
    public static RedisConnection open(RedisUrl url, ScheduledExecutorService scheduler, Ticker ticker,
                                       Duration outage) {
        RedisConnection c = new RedisConnection(url, scheduler, ticker, outage);
        LOG.log(Level.INFO, "Connecting to Redis at " + url);
        c.connect(1);
        forgetNettyLocals();
        return c;
    }

    /**
     * Drops the thread-locals (caches) Netty filled on the calling thread while it set a connection up. That thread
     * is the container's, which outlives the webapp: left there, they would hold the webapp's classes, and Tomcat
     * reports each as a leak when the webapp stops. Netty's own threads keep theirs.
     */
    private static void forgetNettyLocals() {
        if (!(Thread.currentThread() instanceof FastThreadLocalThread)) {
            FastThreadLocal.removeAll();
        }
    }

    private void connect(int attempt) {
        if (closed) {
            return;
        }
        client.connectAsync(StringCodec.UTF8, uri).whenComplete((c, t) -> {
            if (t == null) {
                if (closed) {
                    c.closeAsync();
                    return;
                }
                connection = c;
                LOG.log(Level.INFO, "Connected to Redis at " + url);
                answeringSince = System.nanoTime();
                answered();
                return;
            }
            failedToConnect(t);
            long delay = Math.min(MAX_RETRY_SECONDS, 1L << Math.min(attempt - 1, 4));
            if (!closed) {
                retry = scheduler.schedule(() -> connect(attempt + 1), delay, TimeUnit.SECONDS);
            }
        });
    }

    /** A {@code PING} whose answer (or its absence) says whether Redis is back after a reconnect. */
    private void probe() {
        RedisAsyncCommands<String, String> c = async();
        if (c == null || closed) {
            return;
        }
        c.ping().whenComplete((pong, t) -> {
            if (t == null) {
                answered();
            } else {
                failed(rootMessage(t));
            }
        });
    }

    /** The commands, or null while the first connection is not made yet. Lettuce reconnects it by itself after. */
    public RedisAsyncCommands<String, String> async() {
        StatefulRedisConnection<String, String> c = connection;
        return c == null ? null : c.async();
    }

    /**
     * A publish/subscribe connection of one's own (a subscribed connection takes no other command), made in the
     * background; Lettuce reconnects it and subscribes it again by itself. Closed by its user, before this.
     */
    public CompletableFuture<StatefulRedisPubSubConnection<String, String>> connectPubSub() {
        return connectPubSub(StringCodec.UTF8);
    }

    /** As {@link #connectPubSub()}, its channels and messages read with {@code codec}. */
    public <K, V> CompletableFuture<StatefulRedisPubSubConnection<K, V>> connectPubSub(RedisCodec<K, V> codec) {
        CompletableFuture<StatefulRedisPubSubConnection<K, V>> c =
                client.connectPubSubAsync(codec, uri).toCompletableFuture();
        forgetNettyLocals();
        return c;
    }

    /** The client, for a connection of one's own (a blocking read). Closed with this. */
    public RedisClient client() {
        return client;
    }

    /** How Redis 7.0 refuses the ACL user a command inside a script (later versions answer {@code NOPERM}). */
    private static final String SCRIPT_DENIED = "The user executing the script can't run this command";

    public RedisUrl url() {
        return url;
    }

    /**
     * A command failed or went unanswered, or the connection closed: counted; logged once until Redis answers. A
     * refusal of the ACL user ({@code NOPERM}, or Redis 7.0's words for a command a script may not run) is no
     * outage: logged once per kind, and Redis still counts as there.
     */
    public void failed(String why) {
        if (why.contains("NOPERM") || why.contains(SCRIPT_DENIED)) {
            denied(why);
        } else {
            down(UNREACHABLE + " (" + why + ")");
        }
    }

    /**
     * Redis answered, refusing the ACL user a command, key or channel: a setting to fix, not an outage (Redis is
     * there, and a lapsed lease is still news). Counted; each refusal logged once, and there are few kinds.
     */
    private void denied(String why) {
        if (closed) {
            return;
        }
        errors.increment();
        if (denials.add(why)) {
            LOG.log(Level.WARNING, "Redis at " + url + " denied the user of chat.cluster.redis-url (" + why
                    + "); grant it what docs/cluster.md lists (\"ACL SETUSER\"): until then what needs it fails");
        }
    }

    /** A connection attempt failed: what the operator must fix is said, once per outage and kind. */
    void failedToConnect(Throwable t) {
        down(problem(t));
    }

    private void down(String problem) {
        if (!closed) {
            errors.increment();
        }
        String kind = problem.startsWith(UNREACHABLE) ? UNREACHABLE : problem.split(" \\(", 2)[0];
        boolean first = !closed && down.compareAndSet(false, true);
        if (!closed && !first && !kind.equals(UNREACHABLE) && saidThisOutage.add(kind)) {
            LOG.log(Level.WARNING, "Redis at " + url + " " + problem);
        }
        if (first) {
            saidThisOutage.add(kind);
            long since = ticker.nanoTime();
            downSince = since;
            LOG.log(Level.WARNING, "Redis at " + url + " " + problem + "; until it answers again the rate limits"
                    + " let requests through and stream events wait in memory, for up to " + outage.toSeconds()
                    + " s");
            try {
                scheduler.schedule(() -> outageOver(since), since + outage.toNanos() - ticker.nanoTime(),
                        TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException stopping) {
                // the webapp stops: nothing is left to end
            }
        }
    }

    /** The outage that began at {@code since} has lasted the bound, unless Redis answered meanwhile. */
    private void outageOver(long since) {
        if (closed || !down.get() || downSince != since) {
            return;
        }
        out = true;
        LOG.log(Level.WARNING, "Redis at " + url + " has been unreachable for " + outage.toSeconds() + " s"
                + " (chat.cluster.outage-seconds): the streams whose events cannot be written or read end with"
                + " error / internal; new ones are refused until it answers");
        for (Runnable r : outListeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "Ending the streams after the Redis outage failed", e);
            }
        }
    }

    /**
     * {@code listener} runs, on the scheduler, each time an outage lasts {@code chat.cluster.outage-seconds}; from
     * then until Redis answers, {@link #isOut()} is true.
     */
    public void whenOut(Runnable listener) {
        outListeners.add(listener);
    }

    /** The ticker's time of the first failure after the last answer: where the outage bound is counted from. */
    long downSince() {
        return downSince;
    }

    /** True from the moment an outage lasted {@code chat.cluster.outage-seconds} until Redis answers again. */
    public boolean isOut() {
        return out && down.get(); // an answer that came while the listeners ran wins
    }

    /** The message of the {@code error} / {@code internal} that ends a stream an outage cut off. */
    public String outageMessage() {
        return "Redis, through which the servers share this reply, could not be reached for " + outage.toSeconds()
                + " s; send the request again.";
    }

    /** Redis answered: its return after an outage is logged once. */
    public void answered() {
        if (down.compareAndSet(true, false)) {
            saidThisOutage.clear();
            out = false;
            answeringSince = System.nanoTime();
            reconnects.increment();
            LOG.log(Level.INFO, "Redis at " + url + " is back");
        }
    }

    /** True after a failure and before the next answer. */
    public boolean isDown() {
        return down.get() || connection == null;
    }

    /** Commands that failed or went unanswered, and connections lost, since start-up. */
    public long errors() {
        return errors.sum();
    }

    /** Returns of Redis after an outage (the first answer after failures), since start-up. */
    public long reconnects() {
        return reconnects.sum();
    }

    /**
     * {@link System#nanoTime} of Redis' last return: the first answer after start-up or after an outage. A Redis
     * that restarted may have lost what the nodes wrote; they write it back within their renewal period from then.
     */
    public long answeringSince() {
        return answeringSince;
    }

    /** Closes the connection, then Lettuce's threads, waiting up to 5 s for them to end. */
    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> r = retry;
        if (r != null) {
            r.cancel(false);
        }
        StatefulRedisConnection<String, String> c = connection;
        connection = null;
        try {
            if (c != null) {
                c.close();
            }
            client.shutdown(0, 2, TimeUnit.SECONDS);
            resources.shutdown(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (Thread t : threadsMade) {
                TimeUnit.NANOSECONDS.timedJoin(t, Math.max(1, deadline - System.nanoTime()));
                if (t.isAlive()) {
                    LOG.log(Level.WARNING, "The Redis client's thread " + t.getName() + " did not stop within 5 s");
                }
            }
            // Netty's one global executor runs some of a closed channel's last tasks, and ends its thread a second
            // after it fell idle: where Netty comes with the webapp, that thread would be reported as the webapp's
            // leak, so the close waits for it; on the JVM's own class path (the dev server, tests) nothing outlives
            // the webapp, and the second is not spent
            if (NETTY_IN_WEBAPP && !GlobalEventExecutor.INSTANCE.awaitInactivity(3, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "Netty's global executor did not stop within 3 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Closing the Redis client failed", e);
        }
    }

    /**
     * TLS as the JVM is set up for it: the CAs of its trust store ({@code javax.net.ssl.trustStore}, else the JDK's),
     * and the client certificate of its key store ({@code javax.net.ssl.keyStore}), which a Redis with
     * {@code tls-auth-clients yes}, its default, asks for. The client library builds a TLS context of its own rather
     * than the JVM's default one, which alone reads the key store setting: so it is passed on here. A key store that
     * cannot be read fails each connection attempt, and the attempt's line says why.
     */
    static SslOptions sslOptions() {
        SslOptions.Builder b = SslOptions.builder().jdkSslProvider();
        String keyStore = System.getProperty("javax.net.ssl.keyStore", "");
        if (!keyStore.isEmpty() && !keyStore.equals("NONE")) {
            try {
                b.keystore(Path.of(keyStore).toUri().toURL(),
                        System.getProperty("javax.net.ssl.keyStorePassword", "").toCharArray())
                        .keyStoreType(System.getProperty("javax.net.ssl.keyStoreType", KeyStore.getDefaultType()));
            } catch (MalformedURLException | InvalidPathException e) {
                LOG.log(Level.WARNING, "javax.net.ssl.keyStore is no file name (" + e.getMessage() + "): no client"
                        + " certificate for Redis");
            }
        }
        return b.build();
    }

    /**
     * Why a connection could not be made, as the operator must act on it: a refused password or an untrusted
     * certificate is a setting to fix, not an outage to wait out. The words come from Redis and the JDK, which
     * never repeat the password.
     */
    static String problem(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = c.getMessage() == null ? "" : c.getMessage();
            if (m.startsWith("WRONGPASS") || m.startsWith("NOAUTH")) {
                return "refused the user name or password of chat.cluster.redis-url (" + m + ")";
            }
            if (m.startsWith("NOPERM")) {
                return "denied the user of chat.cluster.redis-url what connecting needs (" + m + ")";
            }
            if (c instanceof CertPathBuilderException || c instanceof CertPathValidatorException) {
                return "presented a certificate this node does not trust (" + rootMessage(c) + "): add the"
                        + " certificate of its CA to the JVM's trust store (-Djavax.net.ssl.trustStore)";
            }
            if (c instanceof CertificateException && m.contains("No ") && m.contains("matching")) {
                return "presented a certificate that does not name the host of chat.cluster.redis-url (" + m + ")";
            }
            if (c instanceof SSLException && (m.contains("certificate_required") || m.contains("bad_certificate"))) {
                return "asked for a client certificate and refused this node's (" + m + "): give the JVM a key store"
                        + " holding one that the CA of Redis' tls-ca-cert-file signed (-Djavax.net.ssl.keyStore)";
            }
        }
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SSLException) {
                return "failed the TLS handshake (" + rootMessage(t) + ")";
            }
        }
        return UNREACHABLE + " (" + rootMessage(t) + ")";
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }
}
