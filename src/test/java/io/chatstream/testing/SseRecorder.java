package io.chatstream.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Reads one event-stream response over real HTTP into a queue of frames, parsed by the strict {@link SseParser}, so
 * tests can {@link #next} through it with timeouts. {@link #close()} drops the connection.
 */
public final class SseRecorder implements AutoCloseable {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final SseParser.Frame EOF = new SseParser.Frame(null, null, null, "<eof>");

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Thread reader;
    private final List<SseParser.Frame> seen = new ArrayList<>();
    private final SseParser parser = new SseParser();
    private volatile boolean closed;

    private SseRecorder(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new Thread(this::readLoop, "sse-recorder");
        reader.setDaemon(true);
        reader.start();
    }

    /** Sends {@code request} and starts recording its body. */
    public static SseRecorder open(HttpClient client, HttpRequest request) throws IOException, InterruptedException {
        return new SseRecorder(client.send(request, HttpResponse.BodyHandlers.ofInputStream()));
    }

    public HttpResponse<InputStream> response() {
        return response;
    }

    public int status() {
        return response.statusCode();
    }

    public String header(String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    private void readLoop() {
        byte[] buf = new byte[4096];
        try (InputStream in = response.body()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                for (SseParser.Frame f : parser.feed(buf, 0, n)) {
                    queue.add(f);
                }
            }
            if (!parser.isAtBoundary()) {
                queue.add(new AssertionError("stream ended inside a frame"));
            }
        } catch (IOException e) {
            if (!closed) {
                queue.add(e);
            }
        } catch (AssertionError e) {
            queue.add(e);
        }
        queue.add(EOF);
    }

    /** The next frame (event, comment or retry), failing after {@code timeout} or at the end of the body. */
    public SseParser.Frame next(Duration timeout) throws InterruptedException {
        Object o = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (o == null) {
            fail("no frame within " + timeout);
        }
        if (o == EOF) {
            queue.add(EOF);
            fail("the stream ended; frames so far: " + seen);
        }
        if (o instanceof Throwable t) {
            throw new AssertionError("reading the stream failed", t);
        }
        SseParser.Frame f = (SseParser.Frame) o;
        seen.add(f);
        return f;
    }

    /** The next event (skipping comments and retry frames), its data parsed. */
    public Event nextEvent(Duration timeout) throws InterruptedException {
        while (true) {
            SseParser.Frame f = next(timeout);
            if (f.isEvent()) {
                return Event.of(f);
            }
        }
    }

    /** Reads events up to and including the terminal one, then asserts that the body ends there. */
    public List<Event> readToEnd(Duration timeout) throws InterruptedException {
        List<Event> events = new ArrayList<>();
        while (true) {
            Event e = nextEvent(timeout);
            events.add(e);
            if (e.isTerminal()) {
                assertEnded(timeout);
                return events;
            }
        }
    }

    /** Asserts that the body ends next, with nothing but comments before. */
    public void assertEnded(Duration timeout) throws InterruptedException {
        while (true) {
            Object o = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(o, "the response did not end");
            if (o == EOF) {
                queue.add(EOF);
                return;
            }
            if (o instanceof Throwable t) {
                throw new AssertionError("reading the stream failed", t);
            }
            SseParser.Frame f = (SseParser.Frame) o;
            assertTrue(!f.isEvent(), "an event after the end: " + f);
        }
    }

    /** Every frame taken so far. */
    public List<SseParser.Frame> seen() {
        return List.copyOf(seen);
    }

    @Override
    public void close() {
        closed = true;
        try {
            response.body().close();
        } catch (IOException e) {
            // the connection is being dropped on purpose
        }
    }

    /** An event: its id, seq and parsed JSON. */
    public record Event(String id, String streamId, long seq, JsonNode json) {
        public static Event of(SseParser.Frame f) {
            int colon = f.id().lastIndexOf(':');
            try {
                return new Event(f.id(), f.id().substring(0, colon), Long.parseLong(f.id().substring(colon + 1)),
                        JSON.readTree(f.data()));
            } catch (IOException e) {
                throw new AssertionError("data is not JSON: " + f.data(), e);
            }
        }

        public String type() {
            return json.get("type").asText();
        }

        public boolean isTerminal() {
            return type().equals("end") || type().equals("error");
        }

        public String content() {
            return json.get("content").asText();
        }
    }

    /** The concatenated content of the events of {@code type}. */
    public static String text(List<Event> events, String type) {
        StringBuilder b = new StringBuilder();
        for (Event e : events) {
            if (e.type().equals(type)) {
                b.append(e.content());
            }
        }
        return b.toString();
    }

    /** Asserts seq runs 1, 2, 3, ... from {@code first}. */
    public static void assertSequential(List<Event> events, long first) {
        for (int i = 0; i < events.size(); i++) {
            assertEquals(first + i, events.get(i).seq(), "seq of event " + i);
        }
    }
}
