package io.chatstream.backend.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A fake upstream model server: plain HTTP/1.1 on a raw socket of 127.0.0.1, port 0, so a test controls every byte
 * and every write (one byte at a time, cuts inside a character, resets) and sees when the client closes the
 * connection. Each connection is served on its own thread by the {@link Handler} the test gives. Requests are
 * recorded for assertions. Failures inside a handler are rethrown by {@link #close()}.
 */
public final class FakeUpstream implements AutoCloseable {

    /** Serves one request. */
    @FunctionalInterface
    public interface Handler {
        void handle(Exchange exchange) throws Exception;
    }

    /** A received request. */
    public record Request(String method, String path, Map<String, String> headers, String body) {
        /** A header by lower-case name, or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final ServerSocket server;
    private final Handler handler;
    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private FakeUpstream(Handler handler) throws IOException {
        this.handler = handler;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "fake-upstream-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a server answering every request with {@code handler}. */
    public static FakeUpstream start(Handler handler) throws IOException {
        return new FakeUpstream(handler);
    }

    /** {@code http://127.0.0.1:PORT} followed by {@code path}. */
    public String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The next request received, waiting up to 10 s. */
    public Request takeRequest() throws InterruptedException {
        Request r = requests.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no request within 10 s");
        }
        return r;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return;
            }
            sockets.add(socket);
            Thread t = new Thread(() -> serve(socket), "fake-upstream-conn");
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            while (true) { // keep-alive: serve requests until the client closes
                Request request = readRequest(in);
                if (request == null) {
                    return;
                }
                requests.add(request);
                Exchange exchange = new Exchange(socket, request);
                handler.handle(exchange);
                if (!exchange.keepAlive()) {
                    return;
                }
            }
        } catch (SocketException e) {
            // the client went away while the handler wrote: what several tests provoke
        } catch (Throwable t) {
            failures.add(t);
        }
    }

    private static Request readRequest(InputStream in) throws IOException {
        String requestLine = readLine(in);
        if (requestLine == null) {
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        String[] parts = requestLine.split(" ");
        return new Request(parts[0], parts[1], headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return null;
    }

    /** Stops listening, closes every connection, and rethrows what went wrong in a handler. */
    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        try {
            acceptor.join(5_000);
            for (Thread t : threads) {
                t.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("the fake upstream failed", failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    /** One request and its response, written by the handler as it likes. */
    public static final class Exchange {
        private final Socket socket;
        private final Request request;
        private final OutputStream out;
        private boolean chunked;
        private boolean keepAlive;
        private long written;

        Exchange(Socket socket, Request request) throws IOException {
            this.socket = socket;
            this.request = request;
            this.out = socket.getOutputStream();
        }

        public Request request() {
            return request;
        }

        boolean keepAlive() {
            return keepAlive;
        }

        /** Bytes of body written so far (before chunk framing). */
        public long written() {
            return written;
        }

        /**
         * Writes the status line and headers of a chunked response (what model servers send); the connection stays
         * open for the next request after {@link #end()}.
         */
        public Exchange respond(int status, String contentType, String... headerLines) throws IOException {
            chunked = true;
            StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " Status\r\n");
            head.append("Content-Type: ").append(contentType).append("\r\n");
            head.append("Transfer-Encoding: chunked\r\n");
            for (String h : headerLines) {
                head.append(h).append("\r\n");
            }
            head.append("\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return this;
        }

        /** Writes headers of a response whose body runs until the connection closes (no length, no chunks). */
        public Exchange respondUntilClose(int status, String contentType) throws IOException {
            chunked = false;
            out.write(("HTTP/1.1 " + status + " Status\r\nContent-Type: " + contentType
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return this;
        }

        /** One write of {@code bytes} (one chunk when chunked), flushed. */
        public Exchange write(byte[] bytes) throws IOException {
            if (bytes.length == 0) {
                return this;
            }
            if (chunked) {
                out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(bytes);
                out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            } else {
                out.write(bytes);
            }
            out.flush();
            written += bytes.length;
            return this;
        }

        public Exchange write(String text) throws IOException {
            return write(text.getBytes(StandardCharsets.UTF_8));
        }

        /** Writes {@code body} in the pieces {@code splits} cuts it into, one flushed write each. */
        public Exchange write(byte[] body, Splits splits) throws IOException {
            for (byte[] piece : splits.cut(body)) {
                write(piece);
            }
            return this;
        }

        /** Ends a chunked body cleanly; the connection stays open for another request. */
        public void end() throws IOException {
            if (chunked) {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                keepAlive = true;
            } else {
                socket.close();
            }
        }

        /** A whole chunked response in one go. */
        public void respondFully(int status, String contentType, String body, String... headerLines)
                throws IOException {
            respond(status, contentType, headerLines).write(body).end();
        }

        /** Closes the connection (FIN), in the middle of a body or not. */
        public void closeConnection() throws IOException {
            socket.close();
        }

        /** Resets the connection (RST): the client sees "connection reset". */
        public void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        /**
         * Waits until the client closes the connection: true when it did within {@code within}. Anything the
         * client still sends is skipped.
         */
        public boolean awaitClientClose(Duration within) throws IOException {
            long deadline = System.nanoTime() + within.toNanos();
            InputStream in = socket.getInputStream();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                try {
                    if (in.read() == -1) {
                        return true;
                    }
                } catch (SocketTimeoutException e) {
                    return false;
                } catch (SocketException e) {
                    return true; // reset by the client
                }
            }
        }

        /**
         * Waits {@code d} before the next write: the pace of a slow model, which is what the client's timers are
         * tested against.
         */
        public Exchange pace(Duration d) throws InterruptedException {
            Thread.sleep(d.toMillis()); // the upstream's own pace in real time: there is no condition to wait for
            return this;
        }

        /** Holds the response open, without writing, until the client closes or {@code max} passes. */
        public void stall(Duration max) throws IOException {
            awaitClientClose(max);
        }
    }

    /** Ways to cut a body into writes. */
    @FunctionalInterface
    public interface Splits {
        List<byte[]> cut(byte[] body);

        /** The whole body in one write: several events per read. */
        static Splits whole() {
            return body -> List.of(body);
        }

        /** One byte per write. */
        static Splits oneByte() {
            return body -> {
                List<byte[]> pieces = new ArrayList<>(body.length);
                for (byte b : body) {
                    pieces.add(new byte[] {b});
                }
                return pieces;
            };
        }

        /** A cut after the first byte of every multi-byte UTF-8 character: every character split in two. */
        static Splits insideCharacters() {
            return body -> {
                List<byte[]> pieces = new ArrayList<>();
                int start = 0;
                for (int i = 0; i < body.length; i++) {
                    boolean leadOfMultiByte = (body[i] & 0xC0) == 0xC0;
                    if (leadOfMultiByte && i + 1 > start) {
                        pieces.add(Arrays.copyOfRange(body, start, i + 1));
                        start = i + 1;
                    }
                }
                if (start < body.length) {
                    pieces.add(Arrays.copyOfRange(body, start, body.length));
                }
                return pieces;
            };
        }

        /** Pieces of pseudo-random sizes from 1 to {@code max} bytes, the same for the same seed. */
        static Splits random(long seed, int max) {
            return body -> {
                java.util.Random random = new Random(seed);
                List<byte[]> pieces = new ArrayList<>();
                for (int i = 0; i < body.length; ) {
                    int n = Math.min(body.length - i, 1 + random.nextInt(max));
                    pieces.add(Arrays.copyOfRange(body, i, i + n));
                    i += n;
                }
                return pieces;
            };
        }
    }
}
