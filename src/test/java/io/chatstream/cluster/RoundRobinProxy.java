package io.chatstream.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A load balancer for tests: a TCP proxy on a free loopback port that sends each new connection to the next of its
 * backends in turn, with no stickiness, as a round-robin balancer in front of a cluster does. {@link #cutAll()}
 * resets every open connection at once (a dropped client: it reconnects, and lands on the next backend).
 * {@link #connections(int)} says how many connections each backend got. Made {@link #withHealthCheck with a health
 * check}, it asks each backend for a path every 100 ms, as a balancer's active check does, and sends new connections
 * only to those that answered {@code 200} last (to all of them when none did).
 */
public final class RoundRobinProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final List<Integer> backendPorts;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicIntegerArray perBackend;
    /** 1 where the backend answered the health check with 200 last (or none was made yet), else 0. */
    private final AtomicIntegerArray up;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "round-robin-proxy");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    /** Listens now, in front of the servers on {@code backendPorts} of 127.0.0.1. */
    public RoundRobinProxy(List<Integer> backendPorts) throws IOException {
        this.backendPorts = List.copyOf(backendPorts);
        this.perBackend = new AtomicIntegerArray(backendPorts.size());
        this.up = new AtomicIntegerArray(backendPorts.size());
        for (int i = 0; i < backendPorts.size(); i++) {
            up.set(i, 1);
        }
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    /** Listens now, and checks {@code GET healthPath} of each backend every 100 ms (see the class comment). */
    public static RoundRobinProxy withHealthCheck(List<Integer> backendPorts, String healthPath) throws IOException {
        RoundRobinProxy proxy = new RoundRobinProxy(backendPorts);
        proxy.threads.execute(() -> proxy.checkHealth(healthPath));
        return proxy;
    }

    /** Whether backend {@code i} answered the last health check with 200 (true before the first check). */
    public boolean up(int i) {
        return up.get(i) == 1;
    }

    public int port() {
        return listener.getLocalPort();
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** The connections backend {@code i} (its index in the constructor's list) got so far. */
    public int connections(int i) {
        return perBackend.get(i);
    }

    /** Resets every open connection, client and backend sides; returns how many sockets there were. */
    public int cutAll() {
        int n = 0;
        for (Socket s : open) {
            reset(s);
            n++;
        }
        return n;
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            int i = pick();
            perBackend.incrementAndGet(i);
            try {
                Socket backend = new Socket(InetAddress.getLoopbackAddress(), backendPorts.get(i));
                open.add(client);
                open.add(backend);
                AtomicInteger ended = new AtomicInteger();
                threads.execute(() -> pump(client, backend, ended));
                threads.execute(() -> pump(backend, client, ended));
            } catch (IOException e) {
                reset(client); // the backend is down: the client sees its connection fail, as with a real balancer
            }
        }
    }

    /** The next backend in turn that is up; the next in turn when none is. */
    private int pick() {
        int n = backendPorts.size();
        int first = Math.floorMod(next.getAndIncrement(), n);
        for (int k = 0; k < n; k++) {
            int i = (first + k) % n;
            if (up(i)) {
                return i;
            }
        }
        return first;
    }

    private void checkHealth(String path) {
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        while (!closed) {
            for (int i = 0; i < backendPorts.size(); i++) {
                up.set(i, healthStatus(backendPorts.get(i), request) == 200 ? 1 : 0);
            }
            LockSupport.parkNanos(100_000_000L);
        }
    }

    /** The status line's code of the backend's answer, or -1 when it did not answer within a second. */
    private static int healthStatus(int port, byte[] request) {
        try (Socket s = new Socket()) {
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            s.setSoTimeout(1000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            byte[] head = s.getInputStream().readNBytes(12); // "HTTP/1.1 200"
            String line = new String(head, StandardCharsets.US_ASCII);
            return line.startsWith("HTTP/1.") && line.length() == 12 ? Integer.parseInt(line.substring(9)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Copies bytes from one side to the other. At the end of one direction the other side's output is shut (a half
     * close passes through); when both directions ended, both sockets are closed; a failure resets both.
     */
    private void pump(Socket from, Socket to, AtomicInteger directionsEnded) {
        byte[] buf = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            reset(from);
            reset(to);
            return;
        }
        if (directionsEnded.incrementAndGet() == 2) {
            close(from);
            close(to);
        }
    }

    private void reset(Socket s) {
        try {
            s.setSoLinger(true, 0); // RST, not FIN: the peer sees the connection fail
        } catch (IOException e) {
            // already closed
        }
        close(s);
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
        cutAll();
        threads.shutdownNow();
    }
}
