package io.chatstream.diagnostics;

import io.chatstream.deploy.SseConnection;
import io.chatstream.deploy.SseConnection.Timed;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /api/diagnostics} over real HTTP. */
class DiagnosticsApiTest {

    private static TestServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(Map.of("chat.auth.mode", "token", "chat.auth.tokens", "t0k"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void ticksArriveSpreadOutThenTheSilenceEnds() throws Exception {
        SseConnection c = SseConnection.open(client, HttpRequest.newBuilder(
                server.uri("/api/diagnostics?ticks=3&idle=2")).header("Authorization", "Bearer t0k").build());
        assertEquals(200, c.status());
        assertEquals("text/event-stream;charset=utf-8",
                c.headers().firstValue("Content-Type").orElseThrow().toLowerCase().replace(" ", ""));
        assertEquals("no-cache, no-transform", c.headers().firstValue("Cache-Control").orElseThrow());
        assertEquals("no", c.headers().firstValue("X-Accel-Buffering").orElseThrow());
        List<Timed> frames = c.awaitEnd(Duration.ofSeconds(20));
        assertEquals(5, frames.size(), frames.toString());
        assertTrue(frames.get(0).frame().data().contains("\"type\":\"hello\""));
        assertTrue(frames.get(4).frame().data().contains("\"type\":\"idle_end\""));
        long ticksSpread = frames.get(3).nanos() - frames.get(1).nanos();
        long silence = frames.get(4).nanos() - frames.get(3).nanos();
        // three ticks a second apart: about 2 s from the first to the last, not a burst
        assertTrue(ticksSpread >= TimeUnit.MILLISECONDS.toNanos(1500), "ticks within " + ticksSpread + " ns");
        assertTrue(silence >= TimeUnit.MILLISECONDS.toNanos(1800), "silence of " + silence + " ns");
    }

    @Test
    void isAdmittedLikeTheApiAndBounded() throws Exception {
        assertEquals(401, status(HttpRequest.newBuilder(server.uri("/api/diagnostics")).build()));
        for (String query : List.of("ticks=0", "ticks=61", "idle=601", "idle=-1", "ticks=ten", "ticks=%E0%80",
                "idle=%C3%28")) {
            HttpResponse<String> resp = client.send(HttpRequest.newBuilder(server.uri("/api/diagnostics?" + query))
                    .header("Authorization", "Bearer t0k").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, resp.statusCode(), query);
            assertTrue(resp.body().contains("\"invalid_request\""), query + ": " + resp.body());
        }
        assertEquals(405, status(HttpRequest.newBuilder(server.uri("/api/diagnostics"))
                .header("Authorization", "Bearer t0k").POST(HttpRequest.BodyPublishers.noBody()).build()));
    }

    private int status(HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
