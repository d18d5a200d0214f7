package io.chatstream.web;

import io.chatstream.app.ChatApplication;
import io.chatstream.config.Settings;
import io.chatstream.dev.DevServer;
import io.chatstream.diagnostics.Diagnostics;
import io.chatstream.testing.RawHttp;
import io.chatstream.testing.TestServer;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The webapp's stop: what it refuses once begun, and its bound. */
@Execution(ExecutionMode.CONCURRENT)
class StopSequenceTest {

    private static final String PARTIAL_POST = "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type:"
            + " application/json\r\nContent-Length: 100\r\n\r\n{\"message\":";

    @Test
    void aBodyStillComingInWhenTheStopBeginsOrStartedAfterIsAnswered503AtOnce() throws Exception {
        // a body deadline far beyond the socket timeouts: an answer in time can only be the stop's
        try (TestServer s = TestServer.start(Map.of("chat.limits.body-timeout-seconds", "600"));
             Socket before = RawHttp.connect(s.port())) {
            send(before, PARTIAL_POST);
            listener(s).exitHook().run(); // the stop's first steps, as the JVM's exit begins them
            assertStopping(RawHttp.read(before.getInputStream()));
            try (Socket after = RawHttp.connect(s.port())) {
                send(after, PARTIAL_POST);
                assertStopping(RawHttp.read(after.getInputStream()));
            }
        }
    }

    @Test
    void theStopKeepsToItsBoundWhenTheContainerNeverFinishesARequest() {
        ChatApplication app = ChatApplication.start(Settings.of(Map.of("chat.store.url", "off")), List.of(),
                getClass().getClassLoader());
        AsyncRequests requests = new AsyncRequests();
        HttpServletRequest req = AsyncRequestsTest.asyncRequest();
        requests.start(req); // never destroyed
        JsonBodies bodies = new JsonBodies(1000, Duration.ofSeconds(30), app.scheduler(), requests);
        Diagnostics diagnostics = new Diagnostics(app.scheduler(), 15, 2, 1);
        StopSequence stop = new StopSequence(bodies, diagnostics, app, requests, Duration.ofMillis(500));

        long t0 = System.nanoTime();
        stop.run();
        long took = System.nanoTime() - t0;

        assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(400), "waited for the request: " + took / 1_000_000 + " ms");
        assertTrue(took < TimeUnit.SECONDS.toNanos(3), "kept to its bound: " + took / 1_000_000 + " ms");
        assertEquals(1, requests.open(), "left to the container");
        assertTrue(app.scheduler().isTerminated(), "the pools were closed within the bound all the same");
    }

    private static void send(Socket socket, String text) throws Exception {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void assertStopping(RawHttp.Response answer) {
        assertEquals(503, answer.status(), answer.body());
        assertTrue(answer.body().contains("\"unavailable\""), answer.body());
        assertEquals("5", answer.header("Retry-After"));
    }

    private static ChatContextListener listener(TestServer s) {
        return DevServer.webapp(s.jetty()).getEventListeners().stream()
                .filter(ChatContextListener.class::isInstance).map(ChatContextListener.class::cast)
                .findFirst().orElseThrow();
    }
}
