package io.chatstream.deploy;

import io.chatstream.testing.SseParser;
import io.chatstream.testing.SseParser.Frame;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One event-stream response read over real HTTP by a thread of its own, every frame parsed strictly
 * ({@link SseParser}) and stamped with the time it arrived. {@link #close()} drops the connection, as a closed
 * browser tab does.
 */
public final class SseConnection implements AutoCloseable {

    /** A frame and when it arrived ({@link System#nanoTime()}). */
    public record Timed(Frame frame, long nanos) {
    }

    private static final Timed END = new Timed(null, 0);

    private final HttpResponse<InputStream> response;
    private final long openedNanos = System.nanoTime();
    private final LinkedBlockingQueue<Timed> queue = new LinkedBlockingQueue<>();
    private final List<Timed> all = new ArrayList<>();
    private final Thread reader;
    private volatile boolean ended;
    private volatile Throwable failure;
    private volatile boolean atBoundary;

    private SseConnection(HttpResponse<InputStream> response, String name) {
        this.response = response;
        this.reader = new Thread(this::read, "sse-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Sends the request; returns once the response headers are in (the body is read in the background). */
    public static SseConnection open(HttpClient client, HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        return new SseConnection(response, request.uri().getPath());
    }

    public int status() {
        return response.statusCode();
    }

    public HttpHeaders headers() {
        return response.headers();
    }

    /** When the request was answered ({@link System#nanoTime()}). */
    public long openedNanos() {
        return openedNanos;
    }

    private void read() {
        SseParser parser = new SseParser();
        byte[] buf = new byte[8192];
        try (InputStream in = response.body()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                long now = System.nanoTime();
                for (Frame f : parser.feed(buf, 0, n)) {
                    Timed t = new Timed(f, now);
                    synchronized (all) {
                        all.add(t);
                    }
                    queue.add(t);
                }
            }
            atBoundary = parser.isAtBoundary();
        } catch (IOException | RuntimeException | AssertionError e) {
            failure = e;
        } finally {
            ended = true;
            queue.add(END);
        }
    }

    /** The next frame, or null when the response ended; fails after {@code timeout}. */
    public Timed next(Duration timeout) throws InterruptedException {
        Timed t = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (t == null) {
            throw new AssertionError("no frame within " + timeout + "; so far: " + frames());
        }
        if (t == END) {
            queue.add(END);
            return null;
        }
        return t;
    }

    /** The next event (skipping comments and retry frames), or null when the response ended. */
    public Frame nextEvent(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Timed t = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (t == null) {
                return null;
            }
            if (t.frame().isEvent()) {
                return t.frame();
            }
        }
    }

    /** Waits for the response to end; returns every frame. Fails when it does not end in time or broke. */
    public List<Timed> awaitEnd(Duration timeout) throws InterruptedException {
        reader.join(timeout.toMillis());
        if (!ended) {
            throw new AssertionError("the response did not end within " + timeout + "; so far: " + frames());
        }
        if (failure != null) {
            throw new AssertionError("the response broke off: " + failure + "; so far: " + frames(), failure);
        }
        if (!atBoundary) {
            throw new AssertionError("the response ended inside a frame; so far: " + frames());
        }
        return timedFrames();
    }

    /** Every frame so far. */
    public List<Frame> frames() {
        synchronized (all) {
            return all.stream().map(Timed::frame).toList();
        }
    }

    public List<Timed> timedFrames() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    /** Drops the connection (idempotent). */
    @Override
    public void close() {
        if (!ended) {
            try {
                response.body().close();
            } catch (IOException e) {
                // dropped anyway
            }
            reader.interrupt();
        }
    }
}
