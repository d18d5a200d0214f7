package io.chatstream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * chat.war in Tomcat 11 with its conversations in the container's pool, set up as docs/conversations.md says: a
 * {@code javax.sql.DataSource} {@code jdbc/chat} declared in the webapp's context file, the JDBC driver (H2, in
 * file mode in a temp directory) in Tomcat's {@code lib/}, and {@code chat.store.datasource=java:comp/env/jdbc/chat}.
 * A conversation made, answered and read back is there again after Tomcat restarts, with a base of its own: the
 * webapp kept it in that database, not in an embedded one of its own (which lives in the base).
 */
class TomcatDataSourceIT {

    private static final Duration T = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aConversationKeptInTheContainersDataSourceOutlivesARestart() throws Exception {
        Path home = Container.home("it.tomcat11.home");
        Path work = Path.of(System.getProperty("it.work", "target/it"));
        Files.createDirectories(work);
        Path db = Files.createTempDirectory(work, "datasource-h2-");
        String url = "jdbc:h2:file:" + db.resolve("chat") + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
        Path driver = Path.of(org.h2.Driver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, String> fast = Map.of("chat.demo.tokens-per-second", "1000", "chat.demo.reply-tokens", "5");
        try {
            String cookie;
            String id;
            JsonNode before;
            try (TomcatContainer tomcat = TomcatContainer.startWithDataSource("datasource-tomcat11", home, driver,
                    "org.h2.Driver", url, fast)) {
                HttpResponse<String> created = http.send(HttpRequest.newBuilder(tomcat.uri("/chat/api/conversations"))
                        .header("Content-Type", "application/json").timeout(T)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"Kept by Tomcat\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(201, created.statusCode(), created.body());
                cookie = created.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
                id = JSON.readTree(created.body()).get("id").asText();

                HttpResponse<String> reply = http.send(HttpRequest.newBuilder(
                                tomcat.uri("/chat/api/conversations/" + id + "/messages")).header("Cookie", cookie)
                        .header("Content-Type", "application/json").timeout(T)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"Remember this\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, reply.statusCode(), reply.body());
                assertTrue(reply.body().contains("\"type\":\"end\""), reply.body());

                before = awaitDone(tomcat, id, cookie);
                assertTrue(tomcat.logLines().stream().anyMatch(l ->
                                l.contains("Conversations kept in the data source java:comp/env/jdbc/chat")),
                        "the webapp says where it keeps conversations:\n" + tomcat.tail());
            }
            assertTrue(Files.isRegularFile(db.resolve("chat.mv.db")), "the data source's database file is there");

            try (TomcatContainer tomcat = TomcatContainer.startWithDataSource("datasource-tomcat11", home, driver,
                    "org.h2.Driver", url, fast)) {
                JsonNode after = conversation(tomcat, id, cookie);
                assertEquals("Kept by Tomcat", after.get("title").asText());
                assertEquals(before.get("messages"), after.get("messages"), "every message, as it was");
                assertEquals("Remember this", after.get("messages").get(0).get("content").asText());
                assertEquals("done", after.get("messages").get(1).get("status").asText());
            }
        } finally {
            try (Stream<Path> files = Files.walk(db)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** The conversation once its reply is saved as {@code done}: the last save follows the stream's end. */
    private JsonNode awaitDone(Container tomcat, String id, String cookie) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        while (true) {
            JsonNode conv = conversation(tomcat, id, cookie);
            JsonNode messages = conv.get("messages");
            if (messages.size() == 2 && messages.get(1).get("status").asText().equals("done")) {
                return conv;
            }
            if (System.nanoTime() > deadline) {
                fail("the reply was not saved as done within " + T + ": " + conv);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private JsonNode conversation(Container tomcat, String id, String cookie) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(tomcat.uri("/chat/api/conversations/" + id))
                .header("Cookie", cookie).timeout(T).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }
}
