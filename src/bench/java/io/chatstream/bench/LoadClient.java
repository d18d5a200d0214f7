package io.chatstream.bench;

import io.chatstream.bench.Stats.Outcome;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A load client that holds thousands of event streams with a few threads: non-blocking sockets, one selector per
 * thread, an incremental HTTP/1.1 and event-stream parser per connection ({@link StreamConnection}). It opens
 * {@code --streams} streams spread evenly over {@code --ramp} seconds, keeps that many open until
 * {@code --total} have run (or, with {@code --hold}, keeps them open that long after the ramp and then closes them),
 * and reports streams ok / failed, events per second, time to first byte and first token, the gap between
 * consecutive events, keep-alive lateness, and from {@code /proc/<server-pid>} the server's peak RSS, peak threads
 * and CPU time per 1,000 events; with {@code --upstream-pid} the same CPU figure for a fake model provider measured
 * apart (the gateway scenario). It stops by itself ({@code --timeout}) and connects to loopback addresses only.
 *
 * <p>With {@code --conversations} each stream is a message sent to a conversation of its
 * own ({@code POST /api/conversations/{id}/messages}), one owner's, the conversations created before the measurement
 * ({@link ConversationSends}); the report adds the SQL statements per reply from {@code /api/metrics}.
 *
 * <p>With {@code --poll-ms=N} each thread polls its selector every N ms instead of blocking in it: on loopback
 * the server's write does the receiving side's kernel work too, waking a reader that sleeps in epoll_wait included,
 * and a measuring client should not bill its own wake-ups to the server it measures. It adds up to that much to the
 * times measured.
 *
 * <p>With {@code --drop-after=N} each stream's connection is closed by the client after event N (mid-reply) and the
 * stream resumed at once on a new connection, {@code GET <path>/streams/<id>} with {@code Last-Event-ID: <id>:N};
 * every event must still arrive exactly once and in order. With {@code --lanes=P1,P2,...} (ports of
 * {@link ProxyLanes}, one per node) stream i opens on lane i mod n and resumes on the next lane: on another node.
 * The reconnect (last event before the drop to first after it) is reported apart from the event gap.
 * {@code --measure=name:pid,...} adds each named process's CPU per 1,000 events (the nodes and redis-server of a
 * cluster) and their sum; {@code --redis-port} adds Redis's {@code used_memory} before and after the run and
 * {@code MEMORY USAGE} of each started stream's keys, per retained reply.
 *
 * <pre>
 * java -cp ... io.chatstream.bench.LoadClient --port=8080 --streams=1000 --ramp=2 --reply-tokens=200 \
 *     --server-pid=1234 --target-gap-p99-ms=55
 * </pre>
 *
 * Exit status: 0 when every stream was ok and every target given was met, 1 otherwise, 2 on bad arguments.
 */
public final class LoadClient {

    private final Map<String, String> opts;
    private final String host;
    private final int port;
    private final int streams;
    private final int total;
    private final long rampNanos;
    private final long holdNanos;
    private final long timeoutNanos;
    private final int expectedChunks;
    private final long keepAliveNanos;
    private final int threads;
    private final long serverPid;
    private final long upstreamPid;
    private final long pollNanos;
    private final byte[] request;
    /** Where stream i connects first: lane i mod n; its resume goes to the next lane. */
    private final List<InetSocketAddress> lanes = new ArrayList<>();
    private final int dropAfter;
    /** {@code <path>/streams/}: what a resume asks for, with the stream's id after it. */
    private final String attachPath;
    /** Processes measured apart ({@code --measure}), by name. */
    private final Map<String, Long> measured = new LinkedHashMap<>();
    private final int redisPort;
    /**
     * The ids of every stream the server started, for their keys in Redis: a stream the client failed on (a resume
     * refused) still ran to its end on its node, and is retained as the others are.
     */
    private final List<String> streamIds = java.util.Collections.synchronizedList(new ArrayList<>());
    /** With {@code --conversations}: each stream's own request, a send to a conversation of its own. */
    private final ConversationSends sends;

    private final AtomicInteger launched = new AtomicInteger();
    private final AtomicInteger openNow = new AtomicInteger();
    private final AtomicInteger peakOpen = new AtomicInteger();
    private volatile long startNanos;
    private volatile long lastLaunchNanos;
    private volatile long firstCompletionNanos;
    private volatile boolean closeNow;
    private volatile boolean stopped;
    private long serverSysNanos;

    private LoadClient(Map<String, String> opts) throws IOException {
        this.opts = opts;
        host = opt("host", "127.0.0.1");
        if (!InetAddress.getByName(host).isLoopbackAddress()) {
            throw new IllegalArgumentException("--host must be a loopback address: the benchmark loads this machine only");
        }
        port = Integer.parseInt(opt("port", "8080"));
        streams = Integer.parseInt(opt("streams", "100"));
        total = Integer.parseInt(opt("total", Integer.toString(streams)));
        rampNanos = seconds(opt("ramp", "1"));
        holdNanos = opts.containsKey("hold") ? seconds(opts.get("hold")) : -1;
        timeoutNanos = seconds(opt("timeout", "300"));
        expectedChunks = Integer.parseInt(opt("reply-tokens", "0"));
        keepAliveNanos = seconds(opt("keepalive", "0"));
        threads = Integer.parseInt(opt("threads", "2"));
        serverPid = Long.parseLong(opt("server-pid", "0"));
        upstreamPid = Long.parseLong(opt("upstream-pid", "0"));
        pollNanos = Math.round(Double.parseDouble(opt("poll-ms", "0")) * 1e6);
        dropAfter = Integer.parseInt(opt("drop-after", "0"));
        redisPort = Integer.parseInt(opt("redis-port", "0"));
        for (String lane : opt("lanes", Integer.toString(port)).split(",")) {
            lanes.add(new InetSocketAddress(host, Integer.parseInt(lane.trim())));
        }
        if (!opt("measure", "").isEmpty()) {
            for (String m : opts.get("measure").split(",")) {
                int colon = m.indexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("--measure=name:pid,name:pid");
                }
                measured.put(m.substring(0, colon), Long.parseLong(m.substring(colon + 1)));
            }
        }
        if (total < streams) {
            throw new IllegalArgumentException("--total must be at least --streams");
        }
        String prompt = opt("prompt", "hi");
        String path = opt("path", "/api/chat");
        attachPath = path + "/streams/";
        if (dropAfter < 0 || dropAfter > 0 && (expectedChunks == 0 || dropAfter > expectedChunks)) {
            throw new IllegalArgumentException("--drop-after=N needs --reply-tokens, and N from 1 to it: the drop is"
                    + " mid-reply");
        }
        String head;
        if (opt("method", "GET").equalsIgnoreCase("POST")) {
            String maxTokens = opt("max-tokens", "");
            String body = "{\"message\":\"" + prompt.replace("\\", "\\\\").replace("\"", "\\\"") + "\""
                    + (maxTokens.isEmpty() ? "" : ",\"max_tokens\":" + Integer.parseInt(maxTokens)) + "}";
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            head = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nAccept: text/event-stream\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n" + body;
        } else {
            if (!opt("max-tokens", "").isEmpty()) {
                // GET /api/chat takes only the prompt: the option would be dropped without a word
                throw new IllegalArgumentException("--max-tokens needs --method=POST (a GET carries only the prompt)");
            }
            head = "GET " + path + "?prompt=" + URLEncoder.encode(prompt, StandardCharsets.UTF_8) + " HTTP/1.1\r\nHost: "
                    + host + ":" + port + "\r\nAccept: text/event-stream\r\n\r\n";
        }
        request = head.getBytes(StandardCharsets.UTF_8);
        if (opts.containsKey("conversations")) {
            if (!path.endsWith("/api/chat")) {
                throw new IllegalArgumentException("--conversations needs --path=<context>/api/chat");
            }
            sends = new ConversationSends(host, port, path.substring(0, path.length() - "/api/chat".length()),
                    prompt);
        } else {
            sends = null;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (String a : args) {
            if (!a.startsWith("--")) {
                System.err.println("Arguments are --name=value; see the Javadoc of LoadClient and src/bench/README");
                System.exit(2);
            }
            int eq = a.indexOf('=');
            opts.put(eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? "true" : a.substring(eq + 1));
        }
        LoadClient client;
        try {
            client = new LoadClient(opts);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(client.run() ? 0 : 1);
    }

    /**
     * Runs a load from another program (a test): the options of the command line, without their {@code --}; prints
     * the report; true when every stream was ok and every target given was met.
     */
    public static boolean run(Map<String, String> opts) throws Exception {
        return new LoadClient(new LinkedHashMap<>(opts)).run();
    }

    private boolean run() throws Exception {
        String label = opt("label", "run");
        if (sends != null) {
            ProcSampler server = serverPid > 0 ? new ProcSampler(serverPid, ProcSampler.getconf("CLK_TCK", 100),
                    ProcSampler.getconf("PAGESIZE", 4096)) : null;
            long cpu0 = server == null ? 0 : server.sample();
            long t0 = System.nanoTime();
            sends.create(total);
            long cpu = server == null ? 0 : server.sample() - cpu0;
            if (server != null) {
                server.close();
            }
            System.out.printf(Locale.ROOT, "setup        %d conversations created in %.1f s, before the measurement:"
                    + " server CPU %.2f s = %.2f ms per conversation%n", total, (System.nanoTime() - t0) / 1e9,
                    cpu / 1e9, cpu / 1e6 / total);
        }
        long statements0 = sends == null ? -1 : sends.statements();
        long heapBaseline = -1;
        if (serverPid > 0 && opts.containsKey("heap-probe")) {
            heapBaseline = HeapProbe.liveHeapBytes(serverPid);
        }
        ProcSampler server = serverPid > 0
                ? new ProcSampler(serverPid, ProcSampler.getconf("CLK_TCK", 100), ProcSampler.getconf("PAGESIZE", 4096))
                : null;
        ProcSampler self = new ProcSampler(ProcessHandle.current().pid(), ProcSampler.getconf("CLK_TCK", 100),
                ProcSampler.getconf("PAGESIZE", 4096));
        long serverCpu0 = server == null ? 0 : server.sample();
        long serverSys0 = server == null ? 0 : server.systemNanos();
        Map<String, Long> threadCpu0 = server == null ? Map.of() : server.cpuByThreadGroup();
        ProcSampler upstream = upstreamPid > 0 ? new ProcSampler(upstreamPid, ProcSampler.getconf("CLK_TCK", 100),
                ProcSampler.getconf("PAGESIZE", 4096)) : null;
        long upstreamCpu0 = upstream == null ? 0 : upstream.sample();
        Map<String, ProcSampler> others = new LinkedHashMap<>();
        Map<String, Long> othersCpu0 = new LinkedHashMap<>();
        Map<String, Map<String, Long>> othersThreads0 = new LinkedHashMap<>();
        measured.forEach((name, pid) -> {
            ProcSampler p = new ProcSampler(pid, ProcSampler.getconf("CLK_TCK", 100),
                    ProcSampler.getconf("PAGESIZE", 4096));
            others.put(name, p);
            othersCpu0.put(name, p.sample());
            othersThreads0.put(name, p.cpuByThreadGroup());
        });
        long redisMemory0 = -1;
        if (redisPort > 0) {
            try (RedisProbe redis = new RedisProbe(redisPort)) {
                redisMemory0 = redis.usedMemory();
            }
        }
        long selfCpu0 = self.sample();
        startNanos = System.nanoTime();
        launched.set(streams);
        List<Worker> workers = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            Worker worker = new Worker(w);
            workers.add(worker);
            worker.thread.start();
        }
        long heapLoaded = -1;
        int heldOpen = 0;
        if (holdNanos >= 0) {
            long closeAt = startNanos + rampNanos + holdNanos;
            while (System.nanoTime() < closeAt && !stopped) {
                Thread.sleep(Math.max(1, Math.min(200, (closeAt - System.nanoTime()) / 1_000_000)));
            }
            heldOpen = openNow.get();
            if (heapBaseline >= 0) {
                heapLoaded = HeapProbe.liveHeapBytes(serverPid);
            }
            closeNow = true;
            workers.forEach(w -> w.selector.wakeup());
        }
        for (Worker w : workers) {
            w.thread.join();
        }
        long endNanos = System.nanoTime();
        long serverCpu1 = server == null ? 0 : server.sample();
        serverSysNanos = server == null ? 0 : server.systemNanos() - serverSys0;
        if (server != null && opts.containsKey("thread-cpu")) {
            printThreadCpu("server", threadCpu0, server.cpuByThreadGroup());
        }
        long selfCpu1 = self.sample();
        long upstreamCpuNanos = upstream == null ? 0 : upstream.sample() - upstreamCpu0;
        Map<String, Long> othersCpu = new LinkedHashMap<>();
        others.forEach((name, p) -> {
            othersCpu.put(name, p.sample() - othersCpu0.get(name));
            printThreadCpu(name, othersThreads0.get(name), p.cpuByThreadGroup());
            p.close();
        });
        Stats all = new Stats();
        for (Worker w : workers) {
            all.add(w.stats);
        }
        if (server != null) {
            server.close();
        }
        self.close();
        boolean pass = report(label, all, endNanos, server, serverCpu1 - serverCpu0, selfCpu1 - selfCpu0,
                heapBaseline, heapLoaded, heldOpen);
        if (statements0 >= 0) {
            // a reply's last save runs on the store's threads just after its end event: wait for the count to settle
            long statements = sends.settledStatements() - statements0;
            int replies = all.count(Outcome.OK);
            System.out.printf(Locale.ROOT, "database     %,d statements for %,d replies = %.2f per reply"
                    + " (chat_store_statements_total)%nRESULT label=%s statements_per_reply=%.2f%n", statements,
                    replies, replies == 0 ? 0 : statements / (double) replies, label,
                    replies == 0 ? 0 : statements / (double) replies);
        }
        if (upstream != null) {
            upstream.close();
            System.out.printf(Locale.ROOT, "upstream     pid %d, measured apart: CPU %.2f s = %.2f ms per 1,000 events"
                    + "%nRESULT label=%s upstream_cpu_ms_per_1k=%.2f%n", upstreamPid, upstreamCpuNanos / 1e9,
                    perThousand(upstreamCpuNanos, all.events), label, perThousand(upstreamCpuNanos, all.events));
        }
        if (!othersCpu.isEmpty()) {
            pass &= reportMeasured(label, othersCpu, all.events);
        }
        if (redisPort > 0) {
            pass &= reportRedisMemory(label, redisMemory0);
        }
        return pass;
    }

    /** One selector thread: opens its share of the streams on the ramp's schedule and reads them all. */
    private final class Worker {
        final int id;
        final Selector selector;
        final Thread thread;
        final Stats stats = new Stats();
        final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);
        int nextInitial;
        int open;

        Worker(int id) throws IOException {
            this.id = id;
            this.nextInitial = id;
            this.selector = Selector.open();
            this.thread = new Thread(this::loop, "load-" + id);
        }

        private void loop() {
            try {
                long deadline = startNanos + timeoutNanos;
                boolean swept = false;
                while (true) {
                    long now = System.nanoTime();
                    while (nextInitial < streams && !closeNow && startNanos + due(nextInitial) <= now) {
                        open(nextInitial, now);
                        nextInitial += threads;
                    }
                    if (closeNow && !swept) {
                        closeAll(true);
                        swept = true;
                    }
                    if (now >= deadline) {
                        closeAll(false);
                        stopped = true;
                        return;
                    }
                    boolean moreToOpen = nextInitial < streams || (holdNanos < 0 && launched.get() < total);
                    if (open == 0 && (!moreToOpen || closeNow)) {
                        return;
                    }
                    long wait = nextInitial < streams ? Math.max(1, (startNanos + due(nextInitial) - now) / 1_000_000)
                            : 100;
                    // the consumer forms of select: no selected-key set, whose iteration costs its (grown) capacity
                    Consumer<SelectionKey> ready = k -> handle(k, System.nanoTime());
                    if (pollNanos > 0) {
                        // poll instead of blocking in epoll_wait: a server's write to a loopback socket whose reader
                        // sleeps in epoll_wait also pays for waking it; the client's cost must not be billed to it
                        if (selector.selectNow(ready) == 0) {
                            LockSupport.parkNanos(Math.min(pollNanos, wait * 1_000_000));
                            selector.selectNow(ready);
                        }
                    } else {
                        selector.select(ready, Math.min(wait, 100));
                    }
                }
            } catch (IOException e) {
                System.err.println("load client thread " + id + " failed: " + e);
                stopped = true;
            }
        }

        private long due(int i) {
            return streams <= 1 ? 0 : rampNanos * i / streams;
        }

        private void open(int index, long now) {
            lastLaunchNanos = now;
            SocketChannel ch = null;
            try {
                ch = SocketChannel.open();
                ch.configureBlocking(false);
                StreamConnection c = new StreamConnection(index, ch,
                        ByteBuffer.wrap(sends == null ? request : sends.request(index)), now, stats, startNanos,
                        expectedChunks, keepAliveNanos, dropAfter);
                open++;
                peakOpen.accumulateAndGet(openNow.incrementAndGet(), Math::max);
                connect(c, lanes.get(index % lanes.size()));
            } catch (IOException e) {
                stats.outcome(Outcome.CONNECT_FAILED, "stream " + index + ": " + e);
                if (ch != null) {
                    closeQuietly(ch);
                    open--;
                    openNow.decrementAndGet();
                }
                launchNext(now);
            }
        }

        private void connect(StreamConnection c, InetSocketAddress address) throws IOException {
            if (c.channel.connect(address)) {
                c.connected = true;
                c.key = c.channel.register(selector, 0, c);
                writeRequest(c);
            } else {
                c.key = c.channel.register(selector, SelectionKey.OP_CONNECT, c);
            }
        }

        /**
         * The drop: closes the stream's connection at its drop point and asks for the rest on a new one, through the
         * next lane (another node when there are several).
         */
        private void dropAndResume(StreamConnection c) throws IOException {
            c.key.cancel();
            closeQuietly(c.channel);
            String id = c.streamId();
            String head = "GET " + attachPath + id + " HTTP/1.1\r\nHost: " + host + ":" + port
                    + "\r\nAccept: text/event-stream\r\nLast-Event-ID: " + id + ":" + c.lastSeq() + "\r\n\r\n";
            SocketChannel ch = SocketChannel.open();
            ch.configureBlocking(false);
            c.resume(ch, ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
            connect(c, lanes.get((c.index + 1) % lanes.size()));
        }

        private void handle(SelectionKey k, long now) {
            StreamConnection c = (StreamConnection) k.attachment();
            if (c.isFinished()) {
                return;
            }
            try {
                if (k.isConnectable()) {
                    c.channel.finishConnect();
                    c.connected = true;
                    writeRequest(c);
                    return;
                }
                if (k.isWritable()) {
                    writeRequest(c);
                    return;
                }
                if (k.isReadable()) {
                    while (true) {
                        readBuffer.clear();
                        int n = c.channel.read(readBuffer);
                        if (n < 0) {
                            finish(c, true, null, now);
                            return;
                        }
                        if (n == 0) {
                            return;
                        }
                        readBuffer.flip();
                        if (c.feed(readBuffer, now)) {
                            finish(c, false, null, now);
                            return;
                        }
                        if (c.dropDue()) {
                            dropAndResume(c);
                            return;
                        }
                        if (n < readBuffer.capacity()) {
                            return;
                        }
                    }
                }
            } catch (IOException e) {
                if (!c.connected) {
                    c.finish(false, false, "connect: " + e); // counted as incomplete: nothing was read
                    closeQuietly(c.channel);
                    open--;
                    openNow.decrementAndGet();
                    launchNext(now);
                } else {
                    finish(c, false, e.toString(), now);
                }
            }
        }

        private void writeRequest(StreamConnection c) throws IOException {
            c.channel.write(c.request);
            c.key.interestOps(c.request.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }

        private void finish(StreamConnection c, boolean eof, String ioError, long now) {
            Outcome o = c.finish(eof, false, ioError);
            if (redisPort > 0 && c.streamId() != null) {
                streamIds.add(c.streamId());
            }
            closeQuietly(c.channel);
            open--;
            openNow.decrementAndGet();
            if (o == Outcome.OK && firstCompletionNanos == 0) {
                firstCompletionNanos = now;
            }
            launchNext(now);
        }

        private void launchNext(long now) {
            if (holdNanos < 0 && !closeNow && launched.get() < total) {
                int index = launched.getAndIncrement();
                if (index < total) {
                    open(index, now);
                }
            }
        }

        /** The hold is over ({@code held}) or time ran out: every stream still open is finished where it stands. */
        private void closeAll(boolean held) {
            for (SelectionKey k : selector.keys()) {
                StreamConnection c = (StreamConnection) k.attachment();
                if (c != null && !c.isFinished()) {
                    c.stopKeepAliveTiming();
                    c.finish(false, held, null);
                    closeQuietly(c.channel);
                    open--;
                    openNow.decrementAndGet();
                }
            }
        }
    }

    private boolean report(String label, Stats s, long endNanos, ProcSampler server, long serverCpuNanos,
                           long selfCpuNanos, long heapBaseline, long heapLoaded, int heldOpen) {
        int ok = s.count(Outcome.OK) + s.count(Outcome.HELD);
        int finished = s.outcomes.values().stream().mapToInt(Integer::intValue).sum();
        int failed = finished - ok;
        int notRun = total - finished;
        double seconds = (endNanos - startNanos) / 1e9;
        double eventSeconds = s.events == 0 ? 0 : (s.lastEventNanos - startNanos) / 1e9;
        double overallRate = eventSeconds > 0 ? s.events / eventSeconds : 0;
        double fullLoadRate = fullLoadRate(s);
        long peakBucket = 0;
        for (long b : s.eventsPerBucket) {
            peakBucket = Math.max(peakBucket, b);
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "== %s: %d streams (%d at a time, %.1f s ramp%s) against %s:%d%n", label,
                total, streams, rampNanos / 1e9, holdNanos >= 0 ? ", held " + holdNanos / 1_000_000_000 + " s" : "",
                host, port));
        StringBuilder failures = new StringBuilder();
        s.outcomes.forEach((k, v) -> {
            if (k != Outcome.OK && k != Outcome.HELD) {
                failures.append(failures.length() == 0 ? "" : ", ").append(k.name().toLowerCase(Locale.ROOT))
                        .append(' ').append(v);
            }
        });
        out.append(String.format(Locale.ROOT, "streams      %d ok, %d failed%s%s; peak open %d; HTTP statuses %s%n", ok,
                failed + notRun, failures.length() > 0 ? " (" + failures + ")" : "",
                notRun > 0 ? " (" + notRun + " never started)" : "", peakOpen.get(), s.statuses));
        if (opts.containsKey("timeline")) {
            out.append(bySecond("events/s by second:", s.eventsPerBucket, seconds));
            out.append(bySecond("gaps >= 150 ms by second:", s.longGapsPerBucket, seconds));
        }
        if (s.firstFailure != null) {
            out.append("first fail   ").append(s.firstFailure).append('\n');
        }
        out.append(String.format(Locale.ROOT,
                "events       %,d in %.1f s: %,.0f/s overall, %,.0f/s at full load, peak %,.0f/s (100 ms window); "
                        + "%,.1f MB read%n",
                s.events, seconds, overallRate, fullLoadRate, peakBucket * 1e9 / Stats.BUCKET_NANOS, s.bytes / 1e6));
        out.append(line("first byte", s.ttfb));
        out.append(line("first token", s.ttft));
        out.append(line("event gap", s.gap));
        if (dropAfter > 0) {
            out.append(String.format(Locale.ROOT, "resumes      %,d (each stream dropped after event %d, resumed on %s)"
                    + "; reconnect gap, not in the event gap: %s%n", s.resumes, dropAfter,
                    lanes.size() > 1 ? "the next of " + lanes.size() + " lanes" : "the same address",
                    percentiles(s.resumeGap)));
        }
        if (keepAliveNanos > 0) {
            out.append(String.format(Locale.ROOT, "keep-alives  %,d (%d early); lateness %s%n", s.keepAlives,
                    s.earlyKeepAlives, percentiles(s.keepAliveLateness)));
        }
        double serverMsPer1k = s.events == 0 ? 0 : serverCpuNanos / 1e6 / (s.events / 1000.0);
        if (server != null) {
            out.append(String.format(Locale.ROOT,
                    "server       pid %d: peak RSS %,.0f MB, peak threads %d, CPU %.2f s (%.2f cores, %.0f%% in the "
                            + "kernel) = %.2f ms per 1,000 events%n",
                    serverPid, server.peakRssBytes() / 1048576.0, server.peakThreads(), serverCpuNanos / 1e9,
                    serverCpuNanos / 1e9 / seconds, serverCpuNanos == 0 ? 0 : 100.0 * serverSysNanos / serverCpuNanos,
                    serverMsPer1k));
        }
        out.append(String.format(Locale.ROOT, "client       %d threads, CPU %.2f s (%.2f cores)%n", threads,
                selfCpuNanos / 1e9, selfCpuNanos / 1e9 / seconds));
        double heapPerStreamKb = -1;
        if (heapBaseline >= 0 && heapLoaded >= 0) {
            heapPerStreamKb = heldOpen == 0 ? -1 : (heapLoaded - heapBaseline) / 1024.0 / heldOpen;
            out.append(String.format(Locale.ROOT,
                    "heap         live after full GC: %.1f MB before, %.1f MB with %d streams open = %.1f KB per stream%n",
                    heapBaseline / 1048576.0, heapLoaded / 1048576.0, heldOpen, heapPerStreamKb));
        }
        boolean pass = failed == 0 && notRun == 0;
        out.append(String.format(Locale.ROOT, "target       every stream complete: %s%n", pass ? "PASS" : "FAIL"));
        pass &= target(out, "gap-p99-ms", "event gap p99 <= %s ms", s.gap.getValueAtPercentile(99) / 1000.0, true);
        pass &= target(out, "events-per-sec", "events/s at full load >= %s", fullLoadRate, false);
        pass &= target(out, "max-threads", "server threads <= %s", server == null ? -1 : server.peakThreads(), true);
        pass &= target(out, "max-rss-mb", "server RSS <= %s MB",
                server == null ? -1 : server.peakRssBytes() / 1048576.0, true);
        pass &= target(out, "cpu-ms-per-1k", "server CPU per 1,000 events <= %s ms", serverMsPer1k, true);
        pass &= target(out, "heap-kb-per-stream", "heap per open stream <= %s KB", heapPerStreamKb, true);
        pass &= target(out, "keepalive-p99-ms", "keep-alive lateness p99 <= %s ms",
                s.keepAliveLateness.getValueAtPercentile(99) / 1000.0, true);
        out.append(String.format(Locale.ROOT,
                "RESULT label=%s ok=%d failed=%d events=%d rate_full=%.0f rate_overall=%.0f gap_p50_ms=%.1f "
                        + "gap_p99_ms=%.1f gap_max_ms=%.1f ttfb_p99_ms=%.1f ttft_p99_ms=%.1f rss_mb=%.0f threads=%d "
                        + "cpu_ms_per_1k=%.2f ka_p99_ms=%.1f heap_kb_per_stream=%.1f resumes=%d resume_gap_p99_ms=%.1f%n",
                label, ok, failed + notRun, s.events, fullLoadRate, overallRate,
                s.gap.getValueAtPercentile(50) / 1000.0, s.gap.getValueAtPercentile(99) / 1000.0,
                s.gap.getMaxValue() / 1000.0, s.ttfb.getValueAtPercentile(99) / 1000.0,
                s.ttft.getValueAtPercentile(99) / 1000.0,
                server == null ? -1 : server.peakRssBytes() / 1048576.0, server == null ? -1 : server.peakThreads(),
                serverMsPer1k, s.keepAliveLateness.getValueAtPercentile(99) / 1000.0, heapPerStreamKb, s.resumes,
                s.resumeGap.getValueAtPercentile(99) / 1000.0));
        System.out.print(out);
        return pass;
    }

    /**
     * Events per second while every stream was open: from the end of the ramp to the first completed stream (or to
     * the last launch, when completed streams are replaced).
     */
    private double fullLoadRate(Stats s) {
        long from = startNanos + rampNanos;
        long to = holdNanos >= 0 ? startNanos + rampNanos + holdNanos
                : total > streams ? lastLaunchNanos : firstCompletionNanos;
        int b0 = (int) ((from - startNanos + Stats.BUCKET_NANOS - 1) / Stats.BUCKET_NANOS);
        int b1 = (int) ((to - startNanos) / Stats.BUCKET_NANOS);
        if (to == 0 || b1 - b0 < 5) {
            double secs = (s.lastEventNanos - startNanos) / 1e9;
            return secs > 0 ? s.events / secs : 0;
        }
        long n = 0;
        for (int b = b0; b < b1 && b < s.eventsPerBucket.length; b++) {
            n += s.eventsPerBucket[b];
        }
        return n * 1e9 / ((b1 - b0) * (double) Stats.BUCKET_NANOS);
    }

    /** The CPU of each process of {@code --measure} per 1,000 events the client received, and their sum. */
    private boolean reportMeasured(String label, Map<String, Long> cpu, long events) {
        StringBuilder out = new StringBuilder();
        StringBuilder result = new StringBuilder("RESULT label=" + label);
        long sum = 0;
        for (Map.Entry<String, Long> e : cpu.entrySet()) {
            sum += e.getValue();
            out.append(String.format(Locale.ROOT, "%-12s pid %d: CPU %.2f s = %.2f ms per 1,000 events%n", e.getKey(),
                    measured.get(e.getKey()), e.getValue() / 1e9, perThousand(e.getValue(), events)));
            result.append(String.format(Locale.ROOT, " %s_cpu_ms_per_1k=%.2f", e.getKey(),
                    perThousand(e.getValue(), events)));
        }
        out.append(String.format(Locale.ROOT, "%-12s CPU %.2f s = %.2f ms per 1,000 events (%s)%n", "all measured",
                sum / 1e9, perThousand(sum, events), String.join(" + ", cpu.keySet())));
        boolean pass = target(out, "measured-cpu-ms-per-1k", "CPU of " + String.join(" + ", cpu.keySet())
                + " per 1,000 events <= %s ms", perThousand(sum, events), true);
        System.out.print(out);
        System.out.println(result.append(String.format(Locale.ROOT, " measured_cpu_ms_per_1k=%.2f",
                perThousand(sum, events))));
        return pass;
    }

    /**
     * Redis's memory after the run, the streams retained: {@code used_memory} against before, and {@code MEMORY
     * USAGE} of each started stream's keys (its events, its metadata, its directory entry), per stream.
     */
    private boolean reportRedisMemory(String label, long before) throws IOException, InterruptedException {
        // a stream's last events and its end mark are written by the owner's next flush (every 10 ms), after the
        // client has read them from memory
        Thread.sleep(1000);
        long after;
        long keys = 0;
        List<String> ids;
        synchronized (streamIds) {
            ids = new ArrayList<>(streamIds);
        }
        try (RedisProbe redis = new RedisProbe(redisPort)) {
            after = redis.usedMemory();
            for (String id : ids) {
                keys += redis.memoryUsage("chat:{" + id + "}:events") + redis.memoryUsage("chat:{" + id + "}:meta")
                        + redis.memoryUsage("chat:{" + id + "}:facts");
            }
        }
        // no stream started: nothing measured, and a target given is missed (-1)
        double usedPerStream = ids.isEmpty() ? -1 : (after - before) / 1024.0 / ids.size();
        double keysPerStream = ids.isEmpty() ? -1 : keys / 1024.0 / ids.size();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "redis        used_memory %.1f MB before, %.1f MB after = %.1f KB per "
                        + "retained stream (%d); its keys (MEMORY USAGE of events, meta, facts) %.1f KB per stream%n",
                before / 1048576.0, after / 1048576.0, usedPerStream, ids.size(), keysPerStream));
        boolean pass = target(out, "redis-kb-per-stream", "Redis memory per retained stream <= %s KB", usedPerStream,
                true);
        System.out.print(out);
        System.out.printf(Locale.ROOT, "RESULT label=%s redis_used_kb_per_stream=%.1f redis_keys_kb_per_stream=%.1f"
                + " redis_used_mb_before=%.1f redis_used_mb_after=%.1f%n", label, usedPerStream, keysPerStream,
                before / 1048576.0, after / 1048576.0);
        return pass;
    }

    private static double perThousand(long cpuNanos, long events) {
        return events == 0 ? 0 : cpuNanos / 1e6 / (events / 1000.0);
    }

    /** A process's CPU time during the run by thread group, largest first (threads that ended are missing). */
    private static void printThreadCpu(String process, Map<String, Long> before, Map<String, Long> after) {
        StringBuilder b = new StringBuilder(process + " CPU by thread (s):");
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .limit(12)
                .forEach(e -> b.append(String.format(Locale.ROOT, " %s %.2f;", e.getKey(), e.getValue() / 1e9)));
        System.out.println(b);
    }

    private boolean target(StringBuilder out, String name, String text, double value, boolean atMost) {
        String limit = opts.get("target-" + name);
        if (limit == null) {
            return true;
        }
        double l = Double.parseDouble(limit);
        boolean met = value >= 0 && (atMost ? value <= l : value >= l);
        out.append(String.format(Locale.ROOT, "target       " + text + ": %s (%.1f)%n", limit, met ? "PASS" : "FAIL",
                value));
        return met;
    }

    private static String line(String name, Histogram h) {
        return String.format(Locale.ROOT, "%-12s %s%n", name, percentiles(h));
    }

    private static String percentiles(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "none";
        }
        return String.format(Locale.ROOT, "p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms (n=%,d)",
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, h.getTotalCount());
    }

    private String opt(String name, String def) {
        return opts.getOrDefault(name, def);
    }

    private static long seconds(String s) {
        return Math.round(Double.parseDouble(s) * 1e9);
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // closing a socket of a finished stream: nothing left to do
        }
    }

    /** One line: {@code title}, then the sum of each second's ten 100 ms buckets. */
    private static String bySecond(String title, long[] buckets, double seconds) {
        StringBuilder line = new StringBuilder(title);
        for (int sec = 0; sec * 10 < buckets.length && sec < seconds + 1; sec++) {
            long n = 0;
            for (int b = sec * 10; b < sec * 10 + 10; b++) {
                n += buckets[b];
            }
            line.append(' ').append(n);
        }
        return line.append('\n').toString();
    }
}
