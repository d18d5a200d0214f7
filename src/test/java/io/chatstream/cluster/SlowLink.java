package io.chatstream.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy for tests, on a free loopback port in front of one server, that delivers what its clients send
 * {@code delay} late, in order; what the server answers goes back at once. In front of Redis: a node whose writes
 * reach Redis late, so the other nodes' view of its streams runs that far behind what it delivers itself.
 */
final class SlowLink implements AutoCloseable {

    private final ServerSocket listener;
    private final int serverPort;
    private final long delayNanos;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> daemon(r, "slow-link"));
    /** One thread: writes due at the same time go in the order they were read. */
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor(
            r -> daemon(r, "slow-link-later"));
    private volatile boolean closed;

    SlowLink(int serverPort, Duration delay) throws IOException {
        this.serverPort = serverPort;
        this.delayNanos = delay.toNanos();
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    /** {@code redis://127.0.0.1:PORT}: the server's URL through this link. */
    String redisUrl() {
        return "redis://127.0.0.1:" + listener.getLocalPort();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                Socket server = new Socket(InetAddress.getLoopbackAddress(), serverPort);
                open.add(client);
                open.add(server);
                threads.execute(() -> pump(client, server, true));
                threads.execute(() -> pump(server, client, false));
            } catch (IOException e) {
                close(client); // the server is down: so is the link
            }
        }
    }

    /** Copies bytes from one side to the other, late or at once; the end of either side closes both. */
    private void pump(Socket from, Socket to, boolean late) {
        byte[] buf = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                byte[] bytes = Arrays.copyOf(buf, n);
                if (late) {
                    later.schedule(() -> write(to, bytes, from), delayNanos, TimeUnit.NANOSECONDS);
                } else {
                    write(to, bytes, from);
                }
            }
        } catch (IOException e) {
            // closed: as below
        }
        if (late) {
            later.schedule(() -> closeBoth(from, to), delayNanos, TimeUnit.NANOSECONDS);
        } else {
            closeBoth(from, to);
        }
    }

    private void write(Socket to, byte[] bytes, Socket from) {
        try {
            to.getOutputStream().write(bytes);
            to.getOutputStream().flush();
        } catch (IOException e) {
            closeBoth(from, to);
        }
    }

    private void closeBoth(Socket a, Socket b) {
        close(a);
        close(b);
    }

    private void close(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // nothing more to do
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        for (Socket s : open) {
            close(s);
        }
        later.shutdownNow();
        threads.shutdownNow();
    }
}
