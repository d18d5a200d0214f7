package io.chatstream.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The least work an event-stream server can do, as a yardstick for the scenarios: plain NIO, no servlet container,
 * no JSON, no event log, no resume. Each connection's request is read up to its blank line and answered with the
 * same frames the chat server sends for a demo reply of {@code --reply-tokens} tokens at
 * {@code --tokens-per-second} ({@code retry:}, {@code start}, the chunks, {@code end}; chunked transfer coding), one
 * socket write per due event, from {@code --threads} threads that each turn a 1 ms timer wheel, as the chat server's
 * scheduler does. With {@code --write-interval-ms=N} a connection is written at most every N ms and events due in
 * between share the next write.
 *
 * <p>Run the load client against it as against the chat server; the CPU and gaps it shows are what the machine, the
 * kernel's loopback TCP and the load client cost by themselves:
 *
 * <pre>
 * java -cp ... io.chatstream.bench.FloorServer --port=8090 --threads=2 --tokens-per-second=20 --reply-tokens=200
 * </pre>
 */
public final class FloorServer {

    private static final long TICK = 1_000_000;
    private static final int SLOTS = 4096;

    private final ServerSocketChannel server;
    private final Worker[] workers;
    private final Thread acceptor;

    /**
     * Starts a floor server on loopback with the command line's options (without their {@code --}): {@code port}
     * (0: any free one), {@code threads}, {@code tokens-per-second}, {@code reply-tokens}, {@code write-interval-ms}.
     */
    public FloorServer(Map<String, String> o) throws IOException {
        int port = Integer.parseInt(o.getOrDefault("port", "8090"));
        int threads = Integer.parseInt(o.getOrDefault("threads", "2"));
        double tps = Double.parseDouble(o.getOrDefault("tokens-per-second", "20"));
        int tokens = Integer.parseInt(o.getOrDefault("reply-tokens", "200"));
        long interval = (long) (Double.parseDouble(o.getOrDefault("write-interval-ms", "0")) * 1_000_000);

        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", port), 16384);
        workers = new Worker[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new Worker((long) (1e9 / tps), tokens, interval);
            Thread t = new Thread(workers[i], "floor-" + i);
            t.setDaemon(true);
            t.start();
        }
        acceptor = new Thread(this::accept, "floor-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    private void accept() {
        try {
            for (long n = 0; ; n++) {
                SocketChannel ch = server.accept();
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                workers[(int) (n % workers.length)].add(ch);
            }
        } catch (IOException e) {
            // closed
        }
    }

    /** Stops accepting and ends every worker; open connections are closed. */
    public void close() throws IOException {
        server.close();
        for (Worker w : workers) {
            w.stop();
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new java.util.HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            o.put(a.substring(2, eq < 0 ? a.length() : eq), eq < 0 ? "true" : a.substring(eq + 1));
        }
        FloorServer floor = new FloorServer(o);
        System.out.println("Floor server on http://localhost:" + floor.port() + "/");
        floor.acceptor.join();
    }

    private static final class Conn {
        final SocketChannel ch;
        final String id;
        /** The request head; the load client's fit (a larger one is never answered). */
        final ByteBuffer request = ByteBuffer.allocate(2048);
        SelectionKey key;
        int seq;
        /** When the next event is due. */
        long due;
        /** When the wheel fires this connection next: due, or later to keep the write interval. */
        long wake;
        long lastWrite;
        Conn next;
        ByteBuffer pending;

        Conn(SocketChannel ch, String id) {
            this.ch = ch;
            this.id = id;
        }
    }

    private static final class Worker implements Runnable {
        private static final AtomicInteger IDS = new AtomicInteger();
        private final long period;
        private final int tokens;
        private final long interval;
        private final Selector selector;
        private final ConcurrentLinkedQueue<SocketChannel> incoming = new ConcurrentLinkedQueue<>();
        private final Conn[] slots = new Conn[SLOTS];
        private final long epoch = System.nanoTime();
        private long processed;
        private final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
        private final byte[] scratch = new byte[512];

        Worker(long period, int tokens, long interval) throws IOException {
            this.period = period;
            this.tokens = tokens;
            this.interval = interval;
            this.selector = Selector.open();
        }

        private volatile boolean stopped;

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
                loop();
            } catch (IOException e) {
                e.printStackTrace();
            } finally {
                for (SelectionKey k : selector.keys()) {
                    close((Conn) k.attachment());
                }
                try {
                    selector.close();
                } catch (IOException ignored) {
                    // stopping anyway
                }
            }
        }

        private void loop() throws IOException {
            while (!stopped) {
                SocketChannel ch;
                while ((ch = incoming.poll()) != null) {
                    Conn c = new Conn(ch, "f" + IDS.incrementAndGet());
                    c.key = ch.register(selector, SelectionKey.OP_READ, c);
                }
                selector.select(this::selected, 1);
                long now = System.nanoTime();
                long target = (now - epoch) / TICK;
                while (processed < target) {
                    int slot = (int) (++processed % SLOTS);
                    Conn list = slots[slot];
                    slots[slot] = null;
                    for (Conn c = list; c != null; ) {
                        Conn next = c.next;
                        c.next = null;
                        if ((c.wake - epoch + TICK - 1) / TICK > processed) {
                            schedule(c); // a later round of the wheel
                        } else {
                            fire(c, now);
                        }
                        c = next;
                    }
                }
            }
        }

        private void schedule(Conn c) {
            long tick = Math.max((c.wake - epoch + TICK - 1) / TICK, processed + 1);
            int slot = (int) (tick % SLOTS);
            c.next = slots[slot];
            slots[slot] = c;
        }

        private void selected(SelectionKey key) {
            Conn c = (Conn) key.attachment();
            try {
                if (key.isReadable()) {
                    if (c.ch.read(c.request) < 0) {
                        close(c);
                        return;
                    }
                    if (c.seq == 0 && headEnded(c.request)) {
                        key.interestOps(0);
                        long now = System.nanoTime();
                        out.clear();
                        out.put(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream;charset=UTF-8\r\n"
                                + "Cache-Control: no-cache, no-transform\r\nX-Accel-Buffering: no\r\nX-Stream-Id: " + c.id
                                + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        int n = put(c, "retry: 3000\n\n", 0);
                        n = put(c, null, n);
                        chunk(n);
                        write(c, now);
                        c.due = now + period;
                        c.wake = c.due;
                        schedule(c);
                    }
                } else if (key.isWritable()) {
                    out.clear(); // nothing new: only what the socket did not take before
                    write(c, System.nanoTime());
                }
            } catch (IOException e) {
                close(c);
            }
        }

        private static boolean headEnded(ByteBuffer b) {
            for (int i = 3; i < b.position(); i++) {
                if (b.get(i) == '\n' && b.get(i - 1) == '\r' && b.get(i - 2) == '\n' && b.get(i - 3) == '\r') {
                    return true;
                }
            }
            return false;
        }

        /** Puts the next event's frame into scratch at n (the retry line when given); returns the new length. */
        private int put(Conn c, String line, int n) {
            String s;
            if (line != null) {
                s = line;
            } else {
                int seq = ++c.seq;
                String json = seq == 1 ? "{\"type\":\"start\",\"model\":\"floor\"}"
                        : seq <= tokens + 1 ? "{\"type\":\"chunk\",\"content\":\"word \"}"
                        : "{\"type\":\"end\",\"finishReason\":\"stop\"}";
                s = "id: " + c.id + ":" + seq + "\ndata: " + json + "\n\n";
            }
            for (int i = 0; i < s.length(); i++) {
                scratch[n++] = (byte) s.charAt(i);
            }
            return n;
        }

        /** Appends scratch[0..n) to out as one HTTP chunk. */
        private void chunk(int n) {
            out.put(Integer.toHexString(n).getBytes(StandardCharsets.US_ASCII)).put((byte) '\r').put((byte) '\n');
            out.put(scratch, 0, n).put((byte) '\r').put((byte) '\n');
        }

        private void fire(Conn c, long now) {
            if (!c.ch.isOpen()) {
                return;
            }
            if (interval > 0 && now - c.lastWrite < interval) {
                c.wake = c.lastWrite + interval;
                schedule(c);
                return;
            }
            out.clear();
            // every event due by now, in one write
            do {
                int n = put(c, null, 0);
                chunk(n);
                c.due += period;
            } while (c.seq <= tokens + 1 && c.due <= now && out.remaining() > 1024);
            boolean last = c.seq > tokens + 1;
            if (last) {
                out.put("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            try {
                write(c, now);
            } catch (IOException e) {
                close(c);
                return;
            }
            if (last) {
                if (c.pending == null) {
                    close(c);
                }
            } else {
                c.wake = c.due;
                schedule(c);
            }
        }

        /** Writes out (after anything pending) without blocking; keeps what the socket did not take. */
        private void write(Conn c, long now) throws IOException {
            out.flip();
            if (c.pending != null) {
                ByteBuffer all = ByteBuffer.allocate(c.pending.remaining() + out.remaining());
                all.put(c.pending).put(out).flip();
                c.pending = all;
            } else if (out.hasRemaining()) {
                c.ch.write(out);
                if (out.hasRemaining()) {
                    c.pending = ByteBuffer.allocate(out.remaining()).put(out).flip();
                }
            }
            if (c.pending != null) {
                c.ch.write(c.pending);
                if (!c.pending.hasRemaining()) {
                    c.pending = null;
                    c.key.interestOps(0);
                    if (c.seq > tokens + 1) {
                        close(c);
                    }
                } else {
                    c.key.interestOps(SelectionKey.OP_WRITE);
                }
            }
            c.lastWrite = now;
        }

        private void close(Conn c) {
            try {
                c.ch.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
