package io.chatstream.app;

import io.chatstream.testing.Await;
import io.chatstream.deploy.SseConnection;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One line per finished stream, over real HTTP: what it says, what it never says. */
class StreamLogTest {

    @Test
    void oneLinePerFinishedStreamWithItsFactsAndNoMessageText() throws Exception {
        Logger logger = Logger.getLogger("io.chatstream.streams");
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        try (TestServer server = TestServer.start(Map.of("chat.demo.tokens-per-second", "200"))) {
            String secret = "my-private-words";
            SseConnection c = SseConnection.open(HttpClient.newHttpClient(), HttpRequest.newBuilder(
                    server.uri("/api/chat?prompt=" + URLEncoder.encode(secret, StandardCharsets.UTF_8))).build());
            String streamId = c.headers().firstValue("X-Stream-Id").orElseThrow();
            c.awaitEnd(Duration.ofSeconds(20));
            Await.until(Duration.ofSeconds(5),
                    () -> records.stream().anyMatch(r -> r.getMessage().contains(streamId)));
            List<LogRecord> mine = records.stream().filter(r -> r.getMessage().contains("stream=" + streamId)).toList();
            assertEquals(1, mine.size(), records.toString());
            LogRecord r = mine.get(0);
            assertEquals(Level.INFO, r.getLevel());
            assertEquals(StreamLog.class.getName(), r.getSourceClassName());
            String line = r.getMessage();
            assertTrue(line.matches("stream=\\S+ backend=demo model=demo duration_ms=\\d+ ttft_ms=\\d+ events=\\d+ "
                    + "finish_reason=stop"), line);
            assertFalse(line.contains(secret), line);
        } finally {
            logger.removeHandler(capture);
        }
    }
}
