package io.chatstream.page;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP proxy on a free loopback port in front of the server, that can break connections the way a network blip,
 * a restarting proxy or a closed laptop lid does: {@link #cutAll()} resets every open connection at once;
 * {@link #dropNextPostResponse()} resets the connection of the next {@code POST /api/chat} as its response begins,
 * so the browser never learns that the server took the request. Everything browsers send is recorded.
 */
final class CuttingProxy implements AutoCloseable {

    private static final Pattern REQUEST_START = Pattern.compile("^(GET|POST|DELETE|OPTIONS|HEAD|PUT) ");

    private final ServerSocket listener;
    private final int targetPort;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final ByteArrayOutputStream requests = new ByteArrayOutputStream();
    private final AtomicBoolean dropPost = new AtomicBoolean();
    private final Queue<Cut> cutAfter = new ConcurrentLinkedQueue<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "cutting-proxy");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    CuttingProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort()).resolve(path);
    }

    /** Resets every open connection; returns how many there were. */
    int cutAll() {
        int n = 0;
        for (Connection c : open) {
            c.cut();
            n++;
        }
        return n;
    }

    /** The response to the next {@code POST /api/chat} never reaches the browser: its connection is reset. */
    void dropNextPostResponse() {
        dropPost.set(true);
    }

    /**
     * Resets the connection whose response next contains {@code pattern} (matched within one read of the server's
     * bytes), right after the match: e.g. after an event's {@code id:} line and before its {@code data:} line. A
     * reset may overtake bytes sent just before it: the client can lose some of what preceded the match. Cuts queue
     * up: the next one applies after this one, on any connection.
     */
    void resetResponseAfter(Pattern pattern) {
        cutAfter.add(new Cut(pattern, true));
    }

    /**
     * Ends the response that next contains {@code pattern} right after the match with a clean close (FIN) to the
     * client, which receives every byte up to there, and resets the server's side. Queued with the resets.
     */
    void closeResponseAfter(Pattern pattern) {
        cutAfter.add(new Cut(pattern, false));
    }

    private record Cut(Pattern pattern, boolean reset) {
    }

    /** Everything browsers sent through the proxy so far, as text. */
    String requests() {
        synchronized (requests) {
            return requests.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                Connection c = new Connection(client, upstream);
                open.add(c);
                threads.execute(c::forwardRequests);
                threads.execute(c::forwardResponses);
            } catch (IOException e) {
                if (!closed) {
                    throw new IllegalStateException("proxy accept failed", e);
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        cutAll();
        threads.shutdownNow();
    }

    private final class Connection {
        private final Socket client;
        private final Socket upstream;
        private volatile String lastRequest = "";

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void forwardRequests() {
            pump(client, upstream, true);
        }

        void forwardResponses() {
            pump(upstream, client, false);
        }

        private void pump(Socket from, Socket to, boolean isRequest) {
            byte[] buf = new byte[8192];
            try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (isRequest) {
                        String text = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                        if (REQUEST_START.matcher(text).find()) {
                            lastRequest = text;
                        }
                        synchronized (requests) {
                            requests.write(buf, 0, n);
                        }
                    } else if (lastRequest.startsWith("POST /api/chat ") && dropPost.compareAndSet(true, false)) {
                        cut();
                        return;
                    } else if (cutAfter.peek() != null) {
                        Cut next = cutAfter.peek();
                        Matcher m = next.pattern().matcher(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                        if (m.find() && cutAfter.remove(next)) {
                            out.write(buf, 0, m.end());
                            out.flush();
                            if (next.reset()) {
                                cut();
                            } else {
                                // the client reads what it was sent, then the end; the request side's pump ends
                                // the rest once the client closes its side
                                to.shutdownOutput();
                                reset(from);
                            }
                            return;
                        }
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the other side closed, or this connection was cut
            }
            cut();
        }

        void cut() {
            open.remove(this);
            reset(client);
            reset(upstream);
        }

        private void reset(Socket s) {
            try {
                s.setSoLinger(true, 0);
                s.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }
}
