package io.chatstream.cluster;

import io.chatstream.cluster.StreamDirectory.Registration.Outcome;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link StreamDirectory} of a cluster, in Redis. The keys, each stream's under its id as hash tag and each
 * client's under {@code {c}}, the first 16 hex digits of the SHA-256 of its client key (as the rate limits do):
 *
 * <pre>
 * chat:{&lt;id&gt;}:facts             hash    owner, principal, client, model, state (running|ended), fingerprint,
 *                                         stop (1 once asked); TTL lease + retain while running, renewed by the
 *                                         owner; retain after the end
 * chat:client:{c}:running          zset    the client's running streams, scored by when the owner's lease would
 *                                         lapse (Redis' clock, ms); lapsed members dropped by each admission;
 *                                         TTL lease, renewed by the owner
 * chat:client:{c}:idem:&lt;sha&gt;      string  "&lt;id&gt;\n&lt;fingerprint&gt;" of the stream holding that
 *                                         Idempotency-Key (&lt;sha&gt;: 32 hex digits of its SHA-256); TTL as
 *                                         the facts'
 * chat:node:{&lt;node&gt;}:lease        string  present while the node lives; TTL lease, renewed every third of it
 * chat:stop:&lt;node&gt;                 channel the ids of the node's streams a stop was asked for
 * </pre>
 *
 * A stream's keys and a client's keys lie in different cluster slots, so a registration is two scripts: the facts
 * first (no node knows the new id yet), then the client's admission and key claim in one, and the facts are deleted
 * again when that refuses.
 *
 * <p>The owner keeps what it registered in memory and, on the shared scheduler (no thread of its own), renews its
 * lease and its streams' TTLs and scores every third of the lease, writing back whatever is missing (a Redis
 * restart that lost the data), and tries again the ends Redis did not take; every {@link #STOP_CHECK} it reads the
 * stop flags of its streams, for the messages it missed while its subscription was down.
 */
public final class RedisStreamDirectory implements StreamDirectory {

    private static final System.Logger LOG = System.getLogger(RedisStreamDirectory.class.getName());
    /** How often the owner reads its streams' stop flags: a stop whose message was missed is seen within it. */
    public static final Duration STOP_CHECK = Duration.ofMillis(500);
    private static final Duration RESUBSCRIBE = Duration.ofSeconds(1);

    private static final String NOW = "local t = redis.call('TIME') "
            + "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

    /** KEYS: facts. ARGV: ttl ms, then field, value, ... Answers 0 when the id is taken. */
    private final RedisScript create;
    /** KEYS: running[, idem]. ARGV: id, lease ms, limit, idem value, idem ttl ms. Answers {code, detail}. */
    private final RedisScript admit;
    /** Writes back facts Redis lost, unless the stream ended. KEYS: facts. ARGV: ttl ms, then field, value, ... */
    private final RedisScript touchStream;
    /** KEYS: facts. ARGV: retain ms. */
    private final RedisScript endStream;
    /** KEYS: running[, idem]. ARGV: id, idem value, retain ms. */
    private final RedisScript endClient;
    /** KEYS: facts. ARGV: channel prefix, id. Answers 0 unknown, 1 ended, 2 asked. */
    private final RedisScript stop;
    /** KEYS: facts of several streams. Answers the 1-based positions of those whose stop flag is set. */
    private static final RedisScript STOP_FLAGS = new RedisScript(
            "local stopped = {}",
            "for i = 1, #KEYS do",
            "  if redis.call('HGET', KEYS[i], 'stop') == '1' then stopped[#stopped + 1] = i end",
            "end",
            "return stopped");
    /** The most streams' flags one {@link #STOP_FLAGS} call reads: a node with more sends several calls. */
    static final int STOP_FLAGS_PER_CALL = 256;
    /**
     * The renewal of several running streams in one call: each one's facts TTL, its entry (score: now + lease) in its
     * client's running set and that set's TTL, and its idempotency key (written back if gone, renewed if still its
     * own). KEYS: per stream its facts and running key, then its idempotency key if it has one. ARGV: the facts' ttl
     * ms, the lease ms, then per stream its id, its number of keys (2 or 3) and its idempotency value. Answers the
     * 1-based positions of the streams whose facts are gone (a Redis restart lost them), which the caller writes back
     * with {@code touchStream}.
     */
    private static final RedisScript TOUCH_ALL = new RedisScript(
            NOW,
            "local gone, k, i = {}, 1, 0",
            "for a = 3, #ARGV, 3 do",
            "  i = i + 1",
            "  local n = tonumber(ARGV[a + 1])",
            "  local state = redis.call('HGET', KEYS[k], 'state')",
            "  if not state then gone[#gone + 1] = i",
            "  elseif state ~= 'ended' then redis.call('PEXPIRE', KEYS[k], ARGV[1]) end",
            "  redis.call('ZADD', KEYS[k + 1], now + tonumber(ARGV[2]), ARGV[a])",
            "  redis.call('PEXPIRE', KEYS[k + 1], ARGV[2])",
            "  if n > 2 then",
            "    local held = redis.call('GET', KEYS[k + 2])",
            "    if not held then redis.call('SET', KEYS[k + 2], ARGV[a + 2], 'PX', ARGV[1])",
            "    elseif held == ARGV[a + 2] then redis.call('PEXPIRE', KEYS[k + 2], ARGV[1]) end",
            "  end",
            "  k = k + n",
            "end",
            "return gone");
    /** The most streams one {@link #TOUCH_ALL} call renews. */
    static final int TOUCH_PER_CALL = 256;

    private final RedisConnection redis;
    private final String node;
    private final long leaseMillis;
    private final long retainMillis;
    private final ScheduledExecutorService scheduler;
    private final Map<String, Owned> owned = new ConcurrentHashMap<>();
    private final List<StopListener> listeners = new CopyOnWriteArrayList<>();
    private volatile ScheduledFuture<?> renewing;
    private volatile ScheduledFuture<?> checking;
    private volatile StatefulRedisPubSubConnection<String, String> pubSub;
    private volatile ScheduledFuture<?> resubscribe;
    private volatile boolean closed;

    /**
     * A directory that renews the node's lease and listens for stops from now on; it returns at once, and does so
     * even while Redis is away.
     *
     * @param node      this node's id, unique among the live nodes (a new one per start is simplest)
     * @param retain    {@code chat.stream.retain-seconds}
     * @param scheduler the shared scheduler, which runs the renewals and checks
     */
    public static RedisStreamDirectory start(RedisConnection redis, String node, ClusterSettings settings,
                                             Duration retain, ScheduledExecutorService scheduler) {
        return start(redis, node, settings, retain, scheduler, STOP_CHECK);
    }

    /** As the public one, with the period of the stop-flag check, which tests lengthen to see the message alone. */
    static RedisStreamDirectory start(RedisConnection redis, String node, ClusterSettings settings, Duration retain,
                                      ScheduledExecutorService scheduler, Duration stopCheck) {
        RedisStreamDirectory d = new RedisStreamDirectory(redis, node, settings, retain, scheduler);
        long renewMillis = Math.max(1, settings.renewEvery().toMillis());
        d.renewing = scheduler.scheduleAtFixedRate(d::renew, 0, renewMillis, TimeUnit.MILLISECONDS);
        d.checking = scheduler.scheduleAtFixedRate(d::checkStops, stopCheck.toMillis(), stopCheck.toMillis(),
                TimeUnit.MILLISECONDS);
        d.subscribe();
        return d;
    }

    private RedisStreamDirectory(RedisConnection redis, String node, ClusterSettings settings, Duration retain,
                                 ScheduledExecutorService scheduler) {
        this.redis = Objects.requireNonNull(redis);
        this.node = Objects.requireNonNull(node);
        this.leaseMillis = settings.lease().toMillis();
        this.retainMillis = retain.toMillis();
        this.scheduler = scheduler;
        create = new RedisScript(
                "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end",
                "redis.call('HSET', KEYS[1], unpack(ARGV, 2))",
                "redis.call('PEXPIRE', KEYS[1], ARGV[1])",
                "return 1");
        admit = new RedisScript(
                "if #KEYS > 1 then",
                "  local held = redis.call('GET', KEYS[2])",
                "  if held then return {0, held} end",
                "end",
                NOW,
                "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)",
                "local count = redis.call('ZCARD', KEYS[1])",
                "if count >= tonumber(ARGV[3]) then return {1, tostring(count)} end",
                "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])",
                "redis.call('PEXPIRE', KEYS[1], ARGV[2])",
                "if #KEYS > 1 then redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5]) end",
                "return {2, tostring(count + 1)}");
        touchStream = new RedisScript(
                "local state = redis.call('HGET', KEYS[1], 'state')",
                "if state == 'ended' then return 0 end",
                "if not state then redis.call('HSET', KEYS[1], unpack(ARGV, 2)) end",
                "redis.call('PEXPIRE', KEYS[1], ARGV[1])",
                "return 1");
        endStream = new RedisScript(
                "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end",
                "if tonumber(ARGV[1]) <= 0 then redis.call('DEL', KEYS[1]) return 1 end",
                "redis.call('HSET', KEYS[1], 'state', 'ended')",
                "redis.call('PEXPIRE', KEYS[1], ARGV[1])",
                "return 1");
        endClient = new RedisScript(
                "redis.call('ZREM', KEYS[1], ARGV[1])",
                "if #KEYS > 1 and redis.call('GET', KEYS[2]) == ARGV[2] then",
                "  if tonumber(ARGV[3]) <= 0 then redis.call('DEL', KEYS[2])",
                "  else redis.call('PEXPIRE', KEYS[2], ARGV[3]) end",
                "end",
                "return 1");
        stop = new RedisScript(
                "local v = redis.call('HMGET', KEYS[1], 'owner', 'state')",
                "if not v[1] then return 0 end",
                "if v[2] ~= 'running' then return 1 end",
                "redis.call('HSET', KEYS[1], 'stop', '1')",
                "redis.call('PUBLISH', ARGV[1] .. v[1], ARGV[2])",
                "return 2");
    }

    @Override
    public String node() {
        return node;
    }

    @Override
    public CompletionStage<Registration> register(StreamFacts facts, String idempotencyKey, int maxPerClient) {
        if (!facts.owner().equals(node) || !facts.running()) {
            throw new IllegalArgumentException("a node registers only running streams of its own");
        }
        Owned o = new Owned(facts, idempotencyKey == null ? null : idemKey(facts.clientKey(), idempotencyKey));
        List<String> created = new ArrayList<>();
        created.add(Long.toString(runningTtl()));
        created.addAll(fields(facts));
        CompletableFuture<Registration> answer = create
                .integer(redis.async(), List.of(factsKey(facts.id())), created)
                .thenCompose(n -> {
                    if (n != 1L) {
                        throw new IllegalArgumentException("stream id " + facts.id() + " is taken");
                    }
                    o.admitting = true;
                    return admit.multi(redis.async(), o.clientKeys(), List.of(facts.id(),
                            Long.toString(leaseMillis), Integer.toString(maxPerClient), o.idemValue,
                            Long.toString(runningTtl())));
                })
                .thenCompose(r -> {
                    long code = (Long) r.get(0);
                    if (code == 2L) {
                        owned.put(facts.id(), o);
                        return CompletableFuture.completedFuture(
                                new Registration(Outcome.REGISTERED, facts.id(), facts.fingerprint()));
                    }
                    Registration refused = code == 0L ? holder((String) r.get(1))
                            : new Registration(Outcome.TOO_MANY_FOR_CLIENT, null, null);
                    return forgetFacts(facts.id()).thenApply(v -> refused);
                })
                .whenComplete((r, t) -> {
                    if (t != null && o.admitting && !owned.containsKey(facts.id())) {
                        // the admission may have been counted without its answer reaching us: take it back, at
                        // once or on a later renewal
                        o.abandoned = true;
                        owned.put(facts.id(), o);
                        finish(o);
                    }
                });
        return guard(answer);
    }

    @Override
    public CompletionStage<Optional<StreamFacts>> find(String streamId) {
        RedisAsyncCommands<String, String> c = redis.async();
        if (c == null) {
            return notConnected();
        }
        return guard(c.hgetall(factsKey(streamId)).toCompletableFuture().thenApply(h -> {
            if (h == null || h.get("owner") == null || h.get("client") == null) {
                return Optional.<StreamFacts>empty();
            }
            return Optional.of(new StreamFacts(streamId, h.get("owner"), h.get("principal"), h.get("client"),
                    h.get("model"), "ended".equals(h.get("state")) ? StreamFacts.State.ENDED
                    : StreamFacts.State.RUNNING, h.get("fingerprint"), "1".equals(h.get("stop"))));
        }));
    }

    @Override
    public CompletionStage<Optional<Registration>> findByIdempotencyKey(String clientKey, String idempotencyKey) {
        RedisAsyncCommands<String, String> c = redis.async();
        if (c == null) {
            return notConnected();
        }
        return guard(c.get(idemKey(clientKey, idempotencyKey)).toCompletableFuture()
                .thenApply(v -> v == null ? Optional.<Registration>empty() : Optional.of(holder(v))));
    }

    @Override
    public CompletionStage<Void> ended(String streamId) {
        Owned o = owned.get(streamId);
        if (o == null) {
            return CompletableFuture.completedFuture(null);
        }
        synchronized (o) {
            o.ended = true;
        }
        return guard(finish(o));
    }

    @Override
    public CompletionStage<Boolean> requestStop(String streamId) {
        return guard(stop.integer(redis.async(), List.of(factsKey(streamId)),
                List.of(channelPrefix(), streamId)).thenApply(n -> n == 2L));
    }

    @Override
    public CompletionStage<Boolean> isAlive(String node) {
        RedisAsyncCommands<String, String> c = redis.async();
        if (c == null) {
            return notConnected();
        }
        return guard(c.exists(leaseKey(node)).toCompletableFuture().thenApply(n -> n == 1L));
    }

    @Override
    public CompletionStage<Boolean> ownerGone(String streamId) {
        RedisAsyncCommands<String, String> c = redis.async();
        if (c == null) {
            return notConnected();
        }
        return guard(c.hmget(factsKey(streamId), "owner", "state").toCompletableFuture().thenCompose(v -> {
            String owner = v.get(0).getValueOrElse(null);
            if (owner == null) {
                return CompletableFuture.completedFuture(true);
            }
            if ("ended".equals(v.get(1).getValueOrElse(null))) {
                return CompletableFuture.completedFuture(false);
            }
            return c.exists(leaseKey(owner)).toCompletableFuture().thenApply(n -> n == 0L);
        }));
    }

    @Override
    public void addStopListener(StopListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    @Override
    public void close() {
        closed = true;
        renewing.cancel(false);
        checking.cancel(false);
        ScheduledFuture<?> r = resubscribe;
        if (r != null) {
            r.cancel(false);
        }
        StatefulRedisPubSubConnection<String, String> p = pubSub;
        pubSub = null;
        if (p != null) {
            // closed before the client shuts down, not beside it: a close still under way then is closed twice,
            // which Lettuce logs as a warning
            p.close();
        }
        owned.clear();
    }

    /** Renews the lease and what this node owns, writing back what a Redis restart lost; retries the ends. */
    private void renew() {
        RedisAsyncCommands<String, String> c = redis.async();
        if (c == null || closed) {
            return;
        }
        c.set(leaseKey(node), Long.toString(System.currentTimeMillis()), SetArgs.Builder.px(leaseMillis))
                .whenComplete((ok, t) -> note(t));
        List<Owned> batch = new ArrayList<>();
        for (Owned o : owned.values()) {
            synchronized (o) {
                if (o.ended || o.abandoned) {
                    finish(o);
                    continue;
                }
                o.touching.incrementAndGet();
            }
            batch.add(o);
            if (batch.size() == TOUCH_PER_CALL) {
                touch(batch);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            touch(batch);
        }
    }

    /**
     * Renews the TTLs and scores of {@code batch} (each counted in its {@code touching}) in one call, then writes
     * back the facts Redis lost, stream by stream (only after a Redis restart).
     */
    private void touch(List<Owned> batch) {
        List<String> keys = new ArrayList<>();
        List<String> args = new ArrayList<>(List.of(Long.toString(runningTtl()), Long.toString(leaseMillis)));
        for (Owned o : batch) {
            List<String> client = o.clientKeys();
            keys.add(factsKey(o.facts.id()));
            keys.addAll(client);
            args.add(o.facts.id());
            args.add(Integer.toString(1 + client.size()));
            args.add(o.idemValue);
        }
        TOUCH_ALL.multi(redis.async(), keys, args).whenComplete((gone, t) -> {
            note(t);
            if (t == null) {
                for (Object position : gone) {
                    writeBack(batch.get(((Number) position).intValue() - 1));
                }
            }
            for (Owned o : batch) {
                o.touching.decrementAndGet();
            }
        });
    }

    /** Writes the facts of {@code o} again, which Redis lost; the caller still counts in its {@code touching}. */
    private void writeBack(Owned o) {
        o.touching.incrementAndGet();
        List<String> args = new ArrayList<>();
        args.add(Long.toString(runningTtl()));
        args.addAll(fields(o.facts));
        touchStream.integer(redis.async(), List.of(factsKey(o.facts.id())), args).whenComplete((v, t) -> {
            o.touching.decrementAndGet();
            note(t);
        });
    }

    /**
     * Reads the stop flags of the running streams this node owns: one call per {@link #STOP_FLAGS_PER_CALL} streams,
     * not one command each (at 500 streams a node, 2 calls a second instead of 1,000).
     */
    private void checkStops() {
        RedisAsyncCommands<String, String> c = redis.async();
        if (c == null || closed) {
            return;
        }
        List<String> ids = new ArrayList<>();
        for (Owned o : owned.values()) {
            if (!o.ended && !o.abandoned && !o.stopSeen.get()) {
                ids.add(o.facts.id());
                if (ids.size() == STOP_FLAGS_PER_CALL) {
                    checkStops(c, ids);
                    ids = new ArrayList<>();
                }
            }
        }
        if (!ids.isEmpty()) {
            checkStops(c, ids);
        }
    }

    private void checkStops(RedisAsyncCommands<String, String> c, List<String> ids) {
        String[] keys = new String[ids.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = factsKey(ids.get(i));
        }
        STOP_FLAGS.multi(c, keys).whenComplete((stopped, t) -> {
            if (t != null) {
                return; // the renewals say when Redis is away; the next check reads the flags again
            }
            for (Object position : stopped) {
                stopRequested(ids.get(((Number) position).intValue() - 1));
            }
        });
    }

    private void stopRequested(String streamId) {
        Owned o = owned.get(streamId);
        if (o == null || o.ended || o.abandoned || !o.stopSeen.compareAndSet(false, true)) {
            return;
        }
        for (StopListener l : listeners) {
            scheduler.execute(() -> {
                try {
                    l.onStopRequested(streamId);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "A stop listener failed for stream " + streamId, e);
                }
            });
        }
    }

    /**
     * Writes an end (or takes back an abandoned registration); the stream stays owned until Redis took it and no
     * renewal that could undo it is still on its way, and is tried again on each renewal meanwhile.
     */
    private CompletableFuture<Void> finish(Owned o) {
        if (!o.finishing.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        long keep = o.abandoned ? 0 : retainMillis;
        CompletableFuture<Long> s = endStream.integer(redis.async(), List.of(factsKey(o.facts.id())),
                List.of(Long.toString(keep)));
        CompletableFuture<Long> k = endClient.integer(redis.async(), o.clientKeys(),
                List.of(o.facts.id(), o.idemValue, Long.toString(keep)));
        return CompletableFuture.allOf(s, k).whenComplete((v, t) -> {
            o.finishing.set(false);
            note(t);
            if (t == null && o.touching.get() == 0) {
                owned.remove(o.facts.id(), o);
            }
        });
    }

    private void subscribe() {
        if (closed) {
            return;
        }
        redis.connectPubSub().thenCompose(p -> {
            p.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    stopRequested(message);
                }
            });
            return p.async().subscribe(channelPrefix() + node).toCompletableFuture().handle((v, t) -> {
                if (t != null) {
                    p.closeAsync();
                    throw new CompletionException(t);
                }
                return p;
            });
        }).whenComplete((p, t) -> {
            if (t != null) {
                String why = RedisConnection.rootMessage(t);
                if (why.contains("NOPERM")) { // the channel denied to the ACL user: said once
                    redis.failed(why);
                }
                // the flags cover the stops meanwhile
                if (!closed) {
                    resubscribe = scheduler.schedule(this::subscribe, RESUBSCRIBE.toMillis(), TimeUnit.MILLISECONDS);
                }
            } else if (closed) {
                p.closeAsync();
            } else {
                pubSub = p;
            }
        });
    }

    private Registration holder(String idemValue) {
        int nl = idemValue.indexOf('\n');
        String id = nl < 0 ? idemValue : idemValue.substring(0, nl);
        String fingerprint = nl < 0 || nl == idemValue.length() - 1 ? null : idemValue.substring(nl + 1);
        return new Registration(Outcome.EXISTING, id, fingerprint);
    }

    /** Deletes the facts of a refused registration, before the answer, so that nothing of it is left to find. */
    private CompletableFuture<Void> forgetFacts(String streamId) {
        RedisAsyncCommands<String, String> c = redis.async();
        if (c == null) {
            return CompletableFuture.completedFuture(null);
        }
        // when the delete is lost, the facts' TTL removes them
        return c.del(factsKey(streamId)).toCompletableFuture().handle((n, t) -> null);
    }

    private long runningTtl() {
        return leaseMillis + retainMillis;
    }

    private static List<String> fields(StreamFacts f) {
        List<String> l = new ArrayList<>(List.of("owner", f.owner(), "client", f.clientKey(), "state", "running"));
        if (f.principal() != null) {
            l.addAll(List.of("principal", f.principal()));
        }
        if (f.model() != null) {
            l.addAll(List.of("model", f.model()));
        }
        if (f.fingerprint() != null) {
            l.addAll(List.of("fingerprint", f.fingerprint()));
        }
        return l;
    }

    /**
     * A failure to reach Redis becomes a {@link ClusterUnavailableException} (a caller's mistake, an
     * {@link IllegalArgumentException}, stays itself), and Redis' absence or return is logged once.
     */
    private <T> CompletableFuture<T> guard(CompletableFuture<T> f) {
        return f.handle((v, t) -> {
            if (t == null) {
                redis.answered();
                return v;
            }
            Throwable cause = unwrap(t);
            if (cause instanceof IllegalArgumentException) {
                throw new CompletionException(cause);
            }
            note(cause);
            throw new CompletionException(new ClusterUnavailableException(cause));
        });
    }

    private void note(Throwable t) {
        if (t == null) {
            redis.answered();
        } else {
            redis.failed(RedisConnection.rootMessage(t));
        }
    }

    private <T> CompletableFuture<T> notConnected() {
        return guard(CompletableFuture.failedFuture(new IllegalStateException("not connected to Redis yet")));
    }

    static String factsKey(String streamId) {
        return "chat:{" + streamId + "}:facts";
    }

    static String leaseKey(String node) {
        return "chat:node:{" + node + "}:lease";
    }

    static String runningKey(String clientKey) {
        return "chat:client:{" + sha256(clientKey, 8) + "}:running";
    }

    static String idemKey(String clientKey, String idempotencyKey) {
        return "chat:client:{" + sha256(clientKey, 8) + "}:idem:" + sha256(idempotencyKey, 16);
    }

    private static String channelPrefix() {
        return "chat:stop:";
    }

    private static String sha256(String s, int bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** A stream this node registered, kept until Redis took its end. */
    private static final class Owned {
        final StreamFacts facts;
        final String idemKey;
        final String idemValue;
        final AtomicInteger touching = new AtomicInteger();
        final AtomicBoolean finishing = new AtomicBoolean();
        final AtomicBoolean stopSeen = new AtomicBoolean();
        /** The admission was sent: it may have been counted. */
        volatile boolean admitting;
        volatile boolean ended;
        volatile boolean abandoned;

        Owned(StreamFacts facts, String idemKey) {
            this.facts = facts;
            this.idemKey = idemKey;
            this.idemValue = facts.id() + '\n' + (facts.fingerprint() == null ? "" : facts.fingerprint());
        }

        List<String> clientKeys() {
            String running = runningKey(facts.clientKey());
            return idemKey == null ? List.of(running) : List.of(running, idemKey);
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
