package io.chatstream.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The conversations' side of the load client ({@code --conversations}): one owner (a {@code chat_owner} cookie of
 * its own making, as a browser's), a conversation per stream created before the measurement, and for each stream
 * the raw bytes of {@code POST /api/conversations/{id}/messages}. Also reads {@code chat_store_statements_total}
 * from {@code /api/metrics}, for the statements a reply costs the database.
 */
final class ConversationSends {

    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern STATEMENTS = Pattern.compile("(?m)^chat_store_statements_total (\\d+(\\.\\d+)?)");
    /** Creations in flight at once: enough to keep two cores busy, few enough not to queue in the store's pool. */
    private static final int IN_FLIGHT = 8;

    private final String host;
    private final int port;
    private final String contextPath;
    private final String body;
    private final String cookie;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private String[] ids = new String[0];

    /** @param contextPath the webapp's context path: {@code ""} for the dev server, {@code /chat} in Tomcat */
    ConversationSends(String host, int port, String contextPath, String prompt) {
        this.host = host;
        this.port = port;
        this.contextPath = contextPath;
        this.body = "{\"content\":\"" + prompt.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        byte[] bits = new byte[16];
        new SecureRandom().nextBytes(bits);
        this.cookie = "chat_owner=" + Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    }

    /** Creates {@code n} conversations of this owner, {@link #IN_FLIGHT} at a time; stream {@code i} sends to the i-th. */
    void create(int n) throws IOException, InterruptedException {
        String[] made = new String[n];
        Semaphore slots = new Semaphore(IN_FLIGHT);
        List<CompletableFuture<Void>> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            slots.acquire();
            int index = i;
            HttpRequest create = HttpRequest.newBuilder(uri("/api/conversations")).header("Cookie", cookie)
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"load " + i + "\"}")).build();
            all.add(http.sendAsync(create, HttpResponse.BodyHandlers.ofString()).thenAccept(r -> {
                if (r.statusCode() != 201) {
                    throw new IllegalStateException("POST /api/conversations: " + r.statusCode() + " " + r.body());
                }
                Matcher m = ID.matcher(r.body());
                if (!m.find()) {
                    throw new IllegalStateException("POST /api/conversations answered no id: " + r.body());
                }
                made[index] = m.group(1);
            }).whenComplete((v, e) -> slots.release()));
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        } catch (RuntimeException e) {
            throw new IOException("creating the conversations failed: " + e.getMessage(), e);
        }
        ids = made;
    }

    /** The request of stream {@code index}: a message to its own conversation, as this owner. */
    byte[] request(int index) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + contextPath + "/api/conversations/" + ids[index % ids.length] + "/messages HTTP/1.1\r\n"
                + "Host: " + host + ":" + port + "\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\n"
                + "Cookie: " + cookie + "\r\nContent-Length: " + b.length + "\r\n\r\n" + body;
        return head.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code chat_store_statements_total} now. */
    long statements() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/api/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = STATEMENTS.matcher(r.body());
        if (r.statusCode() != 200 || !m.find()) {
            throw new IOException("GET /api/metrics: " + r.statusCode() + ", no chat_store_statements_total");
        }
        return (long) Double.parseDouble(m.group(1));
    }

    /** {@link #statements()} once it has not moved for half a second (at most 15 s): every last save is in. */
    long settledStatements() throws IOException, InterruptedException {
        long last = statements();
        for (int i = 0; i < 30; i++) {
            Thread.sleep(500);
            long now = statements();
            if (now == last) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private URI uri(String path) {
        return URI.create("http://" + host + ":" + port + contextPath + path);
    }
}
