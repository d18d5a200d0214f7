package io.chatstream.cluster;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What no Docker engine is needed to check in {@code docker/compose.cluster.yaml} and its {@code nginx.conf} (the
 * compose file's form is dclint's, in CI): nginx balances over exactly the compose file's chat services, on the port
 * Tomcat listens on, and every chat service is given the Redis URL of the compose file's Redis and a shared
 * database.
 */
class ClusterComposeTest {

    private static final Path DOCKER = Path.of("docker");

    /** The names of the top-level services: the keys indented by two spaces under {@code services:}. */
    private static List<String> services(List<String> lines) {
        List<String> names = new ArrayList<>();
        boolean in = false;
        for (String line : lines) {
            if (!line.startsWith(" ") && !line.isBlank()) {
                in = line.equals("services:");
            } else if (in) {
                Matcher m = Pattern.compile("^  ([a-z][a-z0-9-]*):\\s*$").matcher(line);
                if (m.matches()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    @Test
    void nginxBalancesOverTheChatServicesWhichShareRedisAndADatabase() throws IOException {
        List<String> compose = Files.readAllLines(DOCKER.resolve("compose.cluster.yaml"));
        String nginx = Files.readString(DOCKER.resolve("nginx.conf"));
        List<String> services = services(compose);
        assertTrue(services.containsAll(List.of("redis", "postgres", "nginx")), services.toString());

        List<String> upstream = new ArrayList<>();
        Matcher server = Pattern.compile("(?m)^\\s*server\\s+([a-z0-9-]+):8080;").matcher(nginx);
        while (server.find()) {
            upstream.add(server.group(1));
        }
        List<String> chat = services.stream().filter(s -> s.startsWith("chat-")).toList();
        assertEquals(chat, upstream, "nginx's upstream is every chat service");
        assertTrue(chat.size() >= 2, "a cluster: " + chat);
        assertTrue(nginx.contains("proxy_buffering off;"), "events are not held back");

        String text = String.join("\n", compose);
        assertTrue(text.contains("CHAT_CLUSTER_REDIS_URL: redis://redis:6379"), "chat.cluster.redis-url");
        assertTrue(text.contains("CHAT_STORE_URL: jdbc:postgresql://postgres:5432/"), "a shared database");
        long shared = compose.stream().filter(l -> l.trim().equals("environment: *chat-environment")).count();
        assertEquals(chat.size(), shared, "every chat service has the shared settings");
    }
}
