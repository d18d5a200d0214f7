package io.chatstream.bench;

import io.chatstream.bench.dialect.Dialect;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fake model provider on a real port, for the gateway scenario (S6): plain NIO, HTTP/1.1 with keep-alive, one
 * streamed reply per {@code POST}, in the {@link Dialect} its path names (OpenAI {@code .../chat/completions},
 * Ollama {@code /api/chat}), {@code --reply-tokens} tokens at {@code --tokens-per-second}, then the dialect's finish
 * with {@code usage}; {@code GET .../models} and {@code GET /api/tags} list {@code --models}. Anything else is a 404.
 *
 * <p>It runs as a process of its own, so its CPU is measured apart from the chat server's. Each worker thread keeps
 * its replies in a FIFO, which is ordered by due time because every reply has the same pace; all tokens a reply owes
 * by now go out in one write, as one HTTP chunk. The request body is read and dropped.
 *
 * <pre>
 * java -cp ... io.chatstream.bench.FakeModelServer --port=0 --tokens-per-second=20 --reply-tokens=200
 * </pre>
 * It prints {@code Fake model server on http://localhost:PORT/}, and on exit the replies it served and its CPU time.
 */
public final class FakeModelServer {

    private static final int MAX_REQUEST_BYTES = 1 << 20;

    private final ServerSocketChannel server;
    private final Worker[] workers;
    private final Thread acceptor;
    private final AtomicLong replies = new AtomicLong();
    private final AtomicLong tokensSent = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();

    /** Options as on the command line, without their {@code --}. Listens on 127.0.0.1 only. */
    public FakeModelServer(Map<String, String> o) throws IOException {
        int port = Integer.parseInt(o.getOrDefault("port", "0"));
        int threads = Integer.parseInt(o.getOrDefault("threads", "1"));
        double tps = Double.parseDouble(o.getOrDefault("tokens-per-second", "20"));
        int tokens = Integer.parseInt(o.getOrDefault("reply-tokens", "200"));
        List<String> models = Arrays.stream(o.getOrDefault("models", "fake-1,fake-2,fake-3").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", port), 16384);
        workers = new Worker[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new Worker(i, (long) (1e9 / tps), tokens, models);
            Thread t = new Thread(workers[i], "fake-model-" + i);
            t.setDaemon(true);
            t.start();
        }
        acceptor = new Thread(this::accept, "fake-model-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    /** Replies ended so far (counted as their last bytes are handed to the socket). */
    public long replies() {
        return replies.get();
    }

    /** Connections accepted so far (fewer than replies when the client reuses them). */
    public long connections() {
        return connections.get();
    }

    /** Stops accepting and ends every worker; open connections are closed. */
    public void close() throws IOException {
        server.close();
        for (Worker w : workers) {
            w.stop();
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            o.put(a.substring(2, eq < 0 ? a.length() : eq), eq < 0 ? "true" : a.substring(eq + 1));
        }
        FakeModelServer fake = new FakeModelServer(o);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.printf(Locale.ROOT,
                "Fake model server: %d replies, %d tokens, CPU %.2f s%n", fake.replies.get(), fake.tokensSent.get(),
                ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime() / 1e9)));
        System.out.println("Fake model server on http://localhost:" + fake.port() + "/");
        fake.acceptor.join();
    }

    private void accept() {
        try {
            for (long n = 0; ; n++) {
                SocketChannel ch = server.accept();
                connections.incrementAndGet();
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                workers[(int) (n % workers.length)].add(ch);
            }
        } catch (IOException e) {
            System.out.println("Fake model server stops accepting: " + e);
        }
    }

    /** One connection: reading a request, or streaming a reply. */
    private static final class Conn {
        final SocketChannel ch;
        SelectionKey key;
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        ByteBuffer pending;
        boolean closeAfterReply;
        Dialect dialect;
        String replyId;
        int promptTokens;
        int sent;
        long due;

        Conn(SocketChannel ch) {
            this.ch = ch;
        }
    }

    private final class Worker implements Runnable {
        private final int id;
        private final long period;
        private final int tokens;
        private final List<String> models;
        private final Selector selector;
        private final ConcurrentLinkedQueue<SocketChannel> incoming = new ConcurrentLinkedQueue<>();
        private final ArrayDeque<Conn> due = new ArrayDeque<>();
        private final StringBuilder frames = new StringBuilder(4096);
        private volatile boolean stopped;
        private long nextReply;

        Worker(int id, long period, int tokens, List<String> models) throws IOException {
            this.id = id;
            this.period = period;
            this.tokens = tokens;
            this.models = models;
            this.selector = Selector.open();
        }

        void add(SocketChannel ch) {
            incoming.add(ch);
            selector.wakeup();
        }

        void stop() {
            stopped = true;
            selector.wakeup();
        }

        @Override
        public void run() {
            try {
                while (!stopped) {
                    SocketChannel ch;
                    while ((ch = incoming.poll()) != null) {
                        Conn c = new Conn(ch);
                        c.key = ch.register(selector, SelectionKey.OP_READ, c);
                    }
                    Conn head = due.peek();
                    long wait = head == null ? 100 : (head.due - System.nanoTime() + 999_999) / 1_000_000;
                    if (wait <= 0) {
                        selector.selectNow(this::selected);
                    } else {
                        selector.select(this::selected, wait);
                    }
                    long now = System.nanoTime();
                    while ((head = due.peek()) != null && head.due - now <= 0) {
                        due.poll();
                        fire(head, now);
                    }
                }
            } catch (IOException e) {
                System.out.println("Fake model server worker " + id + " failed: " + e);
            } finally {
                for (SelectionKey k : selector.keys()) {
                    close((Conn) k.attachment());
                }
            }
        }

        private void selected(SelectionKey key) {
            Conn c = (Conn) key.attachment();
            try {
                if (key.isWritable()) {
                    flush(c);
                } else if (key.isReadable()) {
                    read(c);
                }
            } catch (IOException | RuntimeException e) {
                close(c); // the chat server closed or cancelled the call: what a provider sees too
            }
        }

        private void read(Conn c) throws IOException {
            if (!c.in.hasRemaining()) {
                if (c.in.capacity() >= MAX_REQUEST_BYTES) {
                    throw new IOException("request larger than " + MAX_REQUEST_BYTES + " bytes");
                }
                c.in = ByteBuffer.allocate(c.in.capacity() * 2).put(c.in.flip());
            }
            if (c.ch.read(c.in) < 0) {
                close(c);
                return;
            }
            int headEnd = headEnd(c.in);
            if (headEnd < 0) {
                return;
            }
            String head = new String(c.in.array(), 0, headEnd, StandardCharsets.ISO_8859_1);
            String[] lines = head.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            int length = 0;
            boolean close = false;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(colon + 1).trim();
                if (name.equals("content-length")) {
                    length = Integer.parseInt(value);
                } else if (name.equals("connection")) {
                    close = value.equalsIgnoreCase("close");
                }
            }
            if (c.in.position() < headEnd + 4 + length) {
                return; // the rest of the body is on its way
            }
            c.in.clear(); // one request at a time: a client never sends the next before this reply ended
            c.closeAfterReply = close;
            String method = requestLine[0];
            String path = requestLine.length > 1 ? requestLine[1] : "/";
            int query = path.indexOf('?');
            Dialect d = Dialect.route(method, query < 0 ? path : path.substring(0, query));
            if (d == null) {
                respond(c, "404 Not Found", "{\"error\":{\"message\":\"no such path\"}}");
            } else if (method.equals("GET")) {
                respond(c, "200 OK", d.models(models));
            } else {
                startReply(c, d, length);
            }
        }

        private void respond(Conn c, String status, String json) throws IOException {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            send(c, ("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\n\r\n" + json).getBytes(StandardCharsets.UTF_8), true);
        }

        private void startReply(Conn c, Dialect d, int bodyBytes) throws IOException {
            c.dialect = d;
            c.replyId = "r" + id + "-" + nextReply++;
            c.promptTokens = Math.max(1, bodyBytes / 4);
            c.sent = 0;
            String begin = d.begin(c.replyId, models.get(0));
            StringBuilder b = new StringBuilder(256).append("HTTP/1.1 200 OK\r\nContent-Type: ").append(d.contentType())
                    .append("\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n");
            if (!begin.isEmpty()) {
                chunk(b, begin);
            }
            c.key.interestOps(0); // nothing is read while the reply streams
            send(c, b.toString().getBytes(StandardCharsets.US_ASCII), false);
            c.due = System.nanoTime() + period;
            due.add(c);
        }

        /** Every token due by {@code now}, in one write; the finish after the last. */
        private void fire(Conn c, long now) {
            if (!c.ch.isOpen()) {
                return;
            }
            String model = models.get(0);
            frames.setLength(0);
            int before = c.sent;
            do {
                frames.append(c.dialect.token(c.replyId, model, "word "));
                c.sent++;
                c.due += period;
            } while (c.sent < tokens && c.due - now <= 0);
            boolean last = c.sent >= tokens;
            if (last) {
                frames.append(c.dialect.end(c.replyId, model, c.promptTokens, c.sent));
            }
            StringBuilder b = new StringBuilder(frames.length() + 16);
            chunk(b, frames);
            if (last) {
                b.append("0\r\n\r\n");
            }
            tokensSent.addAndGet(c.sent - before);
            if (last) {
                replies.incrementAndGet(); // before the last bytes go: a client that has read them finds it counted
            }
            try {
                send(c, b.toString().getBytes(StandardCharsets.US_ASCII), last);
            } catch (IOException e) {
                close(c);
                return;
            }
            if (last) {
                c.dialect = null;
            } else {
                due.add(c);
            }
        }

        private void chunk(StringBuilder out, CharSequence data) {
            out.append(Integer.toHexString(data.length())).append("\r\n").append(data).append("\r\n");
        }

        /**
         * Writes {@code bytes} after anything pending, without blocking. {@code done}: the response is complete, so
         * once it is all written the connection reads the next request (or closes, when asked to).
         */
        private void send(Conn c, byte[] bytes, boolean done) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            if (c.pending != null) {
                c.pending = ByteBuffer.allocate(c.pending.remaining() + b.remaining()).put(c.pending).put(b).flip();
            } else {
                c.ch.write(b);
                if (b.hasRemaining()) {
                    c.pending = ByteBuffer.allocate(b.remaining()).put(b).flip();
                }
            }
            if (c.pending != null) {
                c.key.interestOps(SelectionKey.OP_WRITE);
            } else if (done) {
                afterResponse(c);
            }
        }

        private void flush(Conn c) throws IOException {
            c.ch.write(c.pending);
            if (c.pending.hasRemaining()) {
                return;
            }
            c.pending = null;
            if (c.dialect == null) {
                afterResponse(c);
            } else {
                c.key.interestOps(0);
            }
        }

        private void afterResponse(Conn c) {
            if (c.closeAfterReply) {
                close(c);
            } else {
                c.key.interestOps(SelectionKey.OP_READ);
            }
        }

        private void close(Conn c) {
            try {
                c.ch.close();
            } catch (IOException e) {
                System.out.println("Fake model server: closing a connection failed: " + e);
            }
        }
    }

    /** The index of the CRLFCRLF that ends the head in {@code b}'s first {@code position} bytes, or -1. */
    private static int headEnd(ByteBuffer b) {
        byte[] a = b.array();
        for (int i = 3; i < b.position(); i++) {
            if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
                return i - 3;
            }
        }
        return -1;
    }
}
