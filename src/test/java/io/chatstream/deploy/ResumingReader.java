package io.chatstream.deploy;

import io.chatstream.testing.RawHttp;

import io.chatstream.testing.SseParser;
import io.chatstream.testing.SseRecorder.Event;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * One reply read to its end the way {@code EventSource} reads it, by a thread of its own: the first request (a
 * {@code POST} that starts the reply, or a {@code GET} of a running stream), then, each time a response ends without
 * the terminal event, a wait of the last {@code retry:} and a {@code GET /api/chat/streams/{id}} with
 * {@code Last-Event-ID}, until the terminal event or a {@code 204}. A {@code 503} with {@code Retry-After} is asked
 * again after that many seconds, as a balancer or a careful client does; a connection that breaks is taken up again
 * after the retry time, as {@code EventSource} does. Any other answer ends the reading, recorded.
 *
 * <p>Each request goes on a connection of its own, closed after the response ({@code Connection: close}): the test
 * balancer places connections, not requests, so a kept-alive connection would pin every later request to the node
 * that served the first, which a balancer of requests does not do.
 */
final class ResumingReader {

    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_REQUESTS = 30;

    private final String contextPath;
    private final int firstPort;
    private final int reconnectPort;
    private final String firstRequest;
    private final List<Event> events = new ArrayList<>();
    /** One line per request: what it was answered. */
    private final List<String> history = new ArrayList<>();
    private final List<String> refusals = new ArrayList<>();
    private final CompletableFuture<ResumingReader> done = new CompletableFuture<>();
    private volatile String streamId;
    private volatile String lastEventId;
    private volatile long retryMillis = 3000;
    private volatile boolean resumed;

    private ResumingReader(String contextPath, int firstPort, int reconnectPort, String firstRequest,
                           String streamId) {
        this.contextPath = contextPath;
        this.firstPort = firstPort;
        this.reconnectPort = reconnectPort;
        this.firstRequest = firstRequest;
        this.streamId = streamId;
    }

    /** Starts a reply to {@code message} with a {@code POST} to {@code port}; reconnects to {@code reconnectPort}. */
    static ResumingReader post(String contextPath, int port, int reconnectPort, String message) {
        String body = "{\"message\":\"" + message + "\"}";
        String request = "POST " + contextPath + "/api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Accept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body;
        return new ResumingReader(contextPath, port, reconnectPort, request, null).start();
    }

    /** Attaches to stream {@code streamId} from its first event on {@code port}; reconnects to {@code reconnectPort}. */
    static ResumingReader attach(String contextPath, int port, int reconnectPort, String streamId) {
        return new ResumingReader(contextPath, port, reconnectPort, null, streamId).start();
    }

    private ResumingReader start() {
        Thread t = new Thread(this::run, "resuming-reader");
        t.setDaemon(true);
        t.start();
        return this;
    }

    /** Completes when the reading ended: the terminal event, a {@code 204}, or an answer it does not take. */
    CompletableFuture<ResumingReader> done() {
        return done;
    }

    String streamId() {
        return streamId;
    }

    /** Every event read, over every connection, in order. */
    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** What each request was answered, in order. */
    synchronized List<String> history() {
        return List.copyOf(history);
    }

    /** The refusals that were asked again: each {@code "<status> Retry-After: <value>"}. */
    synchronized List<String> refusals() {
        return List.copyOf(refusals);
    }

    /** Whether the reply was taken up again on another connection after its first one ended. */
    boolean resumed() {
        return resumed;
    }

    private void run() {
        try {
            boolean first = true;
            for (int n = 0; n < MAX_REQUESTS; n++) {
                Outcome o = first ? exchange(firstPort, firstRequest != null ? firstRequest : attachRequest())
                        : exchange(reconnectPort, attachRequest());
                if (o == Outcome.FINISHED) {
                    break;
                }
                if (o == Outcome.REFUSED_FOR_GOOD) {
                    break;
                }
                if (o == Outcome.ENDED_WITHOUT_END) {
                    first = false;
                    resumed = true;
                    LockSupport.parkNanos(Duration.ofMillis(retryMillis).toNanos());
                }
                // ASK_AGAIN: the wait was taken already; a POST refused is sent again as it was
            }
        } catch (RuntimeException | Error e) {
            record("failed: " + e);
        } finally {
            done.complete(this);
        }
    }

    private String attachRequest() {
        return "GET " + contextPath + "/api/chat/streams/" + streamId + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Accept: text/event-stream\r\n"
                + (lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n")
                + "Connection: close\r\n\r\n";
    }

    private enum Outcome { FINISHED, ENDED_WITHOUT_END, ASK_AGAIN, REFUSED_FOR_GOOD }

    private Outcome exchange(int port, String request) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout((int) SOCKET_TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            String statusLine = line(in);
            if (statusLine == null) {
                throw new IOException("closed without an answer");
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = headers(in);
            if (status == 200) {
                if (streamId == null) {
                    streamId = headers.get("x-stream-id");
                }
                return read(body(in, headers), port);
            }
            String answer = new String(body(in, headers).readAllBytes(), StandardCharsets.UTF_8);
            if (status == 204) {
                record(port + ": 204");
                return Outcome.FINISHED;
            }
            String retryAfter = headers.get("retry-after");
            if (status == 503 && retryAfter != null) {
                record(port + ": 503 Retry-After " + retryAfter + " " + answer);
                synchronized (this) {
                    refusals.add("503 Retry-After: " + retryAfter);
                }
                LockSupport.parkNanos(Duration.ofSeconds(Long.parseLong(retryAfter)).toNanos());
                return Outcome.ASK_AGAIN;
            }
            record(port + ": " + status + " " + answer);
            return Outcome.REFUSED_FOR_GOOD;
        } catch (IOException e) {
            if (streamId == null) {
                // the reply may or may not have started: asking again could start a second one
                record(port + ": broken before the stream's id: " + e);
                return Outcome.REFUSED_FOR_GOOD;
            }
            record(port + ": broken: " + e);
            return Outcome.ENDED_WITHOUT_END;
        }
    }

    /** Reads an event stream to its end; the terminal event must be the last thing in it. */
    private Outcome read(InputStream body, int port) throws IOException {
        SseParser parser = new SseParser();
        byte[] buf = new byte[4096];
        boolean terminal = false;
        int count = 0;
        int n;
        while ((n = body.read(buf)) >= 0) {
            for (SseParser.Frame f : parser.feed(buf, 0, n)) {
                if (f.retry() != null) {
                    retryMillis = f.retry();
                }
                if (f.isEvent()) {
                    if (terminal) {
                        throw new AssertionError("an event after the terminal one: " + f);
                    }
                    Event e = Event.of(f);
                    synchronized (this) {
                        events.add(e);
                    }
                    lastEventId = e.id();
                    terminal = e.isTerminal();
                    count++;
                }
            }
        }
        if (!parser.isAtBoundary()) {
            throw new IOException("the response ended inside a frame");
        }
        record(port + ": 200, " + count + " events" + (terminal ? " to the end" : ", then it ended"));
        return terminal ? Outcome.FINISHED : Outcome.ENDED_WITHOUT_END;
    }

    private synchronized void record(String line) {
        history.add(line);
    }

    private static Map<String, String> headers(InputStream in) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        String l;
        while ((l = line(in)) != null && !l.isEmpty()) {
            int colon = l.indexOf(':');
            headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        return headers;
    }

    /** The body: chunked, of a length, or to the connection's end. */
    private static InputStream body(InputStream in, Map<String, String> headers) throws IOException {
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            return new Chunked(in);
        }
        String length = headers.get("content-length");
        if (length != null) {
            return new java.io.ByteArrayInputStream(in.readNBytes(Integer.parseInt(length)));
        }
        return in;
    }

    private static String line(InputStream in) throws IOException {
        return RawHttp.line(in);
    }

    /** A chunked body, decoded; ends at the last chunk, fails when the connection ends before it. */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private int left;
        private boolean last;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (last) {
                return -1;
            }
            if (left == 0) {
                String size = line(in);
                if (size == null) {
                    throw new IOException("the connection ended inside the chunked body");
                }
                int semicolon = size.indexOf(';');
                left = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                if (left == 0) {
                    String trailer;
                    while ((trailer = line(in)) != null && !trailer.isEmpty()) {
                        // trailers: none expected, skipped
                    }
                    last = true;
                    return -1;
                }
            }
            int n = in.read(b, off, Math.min(len, left));
            if (n < 0) {
                throw new IOException("the connection ended inside a chunk");
            }
            left -= n;
            if (left == 0 && !"".equals(line(in))) {
                throw new IOException("a chunk not followed by CRLF");
            }
            return n;
        }
    }
}
