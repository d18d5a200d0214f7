package io.chatstream.cluster;

import io.chatstream.testing.Await;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real {@code redis-server}s that speak TLS only ({@code --port 0 --tls-port}), with a certificate for
 * {@code localhost} signed by a CA made here with {@code openssl}, one of them asking clients for a certificate too: a
 * node that trusts the CA the standard Java way ({@code -Djavax.net.ssl.trustStore}) writes a reply's events through
 * TLS, and gives the certificate of its key store ({@code -Djavax.net.ssl.keyStore}) where one is asked for; a node
 * that does not trust the CA, one that names Redis by an address the certificate does not hold, and one without a
 * certificate where one is asked for each say so in one line, answer generations {@code 503} with
 * {@code Retry-After}, and show no stack trace.
 */
@Timeout(120)
@Execution(ExecutionMode.CONCURRENT)
class RedisTlsTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration T = Duration.ofSeconds(20);
    private static final String TRUST_PASSWORD = "changeit";
    private static final String KEY_PASSWORD = "node-key-pw";

    private static Path dir;
    private static int tlsPort;
    private static RedisServer redis;
    /** Asks for a client certificate ({@code --tls-auth-clients yes}, Redis' default). */
    private static int mutualPort;
    private static RedisServer mutual;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(RedisServer.available() || System.getenv("CI") != null, "redis-server is not installed");
        dir = Files.createTempDirectory("chat-redis-tls");
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=chat test CA");
        run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "redis.key", "-out", "redis.csr", "-subj", "/CN=localhost");
        Files.writeString(dir.resolve("san.cnf"), "subjectAltName=DNS:localhost\n");
        run("openssl", "x509", "-req", "-in", "redis.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "redis.crt", "-days", "2", "-extfile", "san.cnf");
        run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "node.key", "-out", "node.csr", "-subj", "/CN=chat node");
        run("openssl", "x509", "-req", "-in", "node.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "node.crt", "-days", "2");
        run("openssl", "pkcs12", "-export", "-in", "node.crt", "-inkey", "node.key", "-name", "chat-node",
                "-out", "node.p12", "-passout", "pass:" + KEY_PASSWORD);
        run("keytool", "-importcert", "-noprompt", "-alias", "chat-test-ca", "-file", "ca.crt",
                "-keystore", "trust.p12", "-storetype", "PKCS12", "-storepass", TRUST_PASSWORD);
        tlsPort = freePort();
        redis = startTls(tlsPort, "no");
        mutualPort = freePort();
        mutual = startTls(mutualPort, "yes");
    }

    /** A Redis that speaks TLS only, on {@code port}, asking clients for a certificate or not. */
    private static RedisServer startTls(int port, String authClients) throws Exception {
        return RedisServer.start("--port", "0", "--tls-port", Integer.toString(port),
                "--tls-cert-file", dir.resolve("redis.crt").toString(),
                "--tls-key-file", dir.resolve("redis.key").toString(),
                "--tls-ca-cert-file", dir.resolve("ca.crt").toString(), "--tls-auth-clients", authClients);
    }

    @AfterAll
    static void stop() throws Exception {
        for (RedisServer r : new RedisServer[] {redis, mutual}) {
            if (r != null) {
                r.close();
            }
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + out);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The settings of a node on the Redis of {@code port}, by {@code host}, trusting the test CA or not. */
    private static Map<String, String> node(String host, int port, boolean trusting) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "chat.cluster.redis-url", "rediss://" + host + ":" + port,
                "chat.demo.tokens-per-second", "1000", "chat.demo.reply-tokens", "20",
                "chat.store.url", "off"));
        if (trusting) {
            settings.put("javax.net.ssl.trustStore", dir.resolve("trust.p12").toString());
            settings.put("javax.net.ssl.trustStorePassword", TRUST_PASSWORD);
        }
        return settings;
    }

    private static HttpResponse<String> post(DevServerProcess node, String text) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(node.uri("/api/chat")).header("Content-Type", "application/json")
                .timeout(T).POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"" + text + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aNodeThatTrustsTheCaWritesItsRepliesThroughTls() throws Exception {
        try (DevServerProcess node = DevServerProcess.start("trusting", node("localhost", tlsPort, true))) {
            assertTrue(Await.until(T, () -> node.lines("Connected to Redis at rediss://localhost:" + tlsPort + "/0")
                    == 1), node::output);
            HttpResponse<String> reply = post(node, "over TLS");
            assertEquals(200, reply.statusCode(), reply.body() + node.output());
            String id = reply.headers().firstValue("X-Stream-Id").orElseThrow();
            List<String> ids = new ArrayList<>();
            reply.body().lines().filter(l -> l.startsWith("id: ")).forEach(l -> ids.add(l.substring(4)));
            assertTrue(reply.body().contains("\"type\":\"end\""), reply.body());
            String last = ids.get(ids.size() - 1);
            long lastSeq = Long.parseLong(last.substring(last.lastIndexOf(':') + 1));

            // what the node wrote, read back over TLS by a client that trusts the same CA
            RedisClient client = RedisClient.create(RedisURI.create("rediss://localhost:" + tlsPort));
            client.setOptions(ClientOptions.builder().sslOptions(SslOptions.builder().jdkSslProvider()
                    .truststore(dir.resolve("trust.p12").toFile(), TRUST_PASSWORD).build()).build());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                RedisCommands<String, String> commands = c.sync();
                assertTrue(Await.until(T, () -> String.valueOf(lastSeq).equals(
                        commands.hget("chat:{" + id + "}:meta", "end"))), "the end marker, through TLS");
                assertEquals(lastSeq, commands.xlen("chat:{" + id + "}:events"), "every event");
            } finally {
                client.shutdown();
            }
            HttpResponse<String> done = HTTP.send(HttpRequest.newBuilder(node.uri("/api/chat/streams/" + id))
                    .header("Last-Event-ID", last).timeout(T).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, done.statusCode(), done.body());
        }
    }

    @Test
    void aNodeThatDoesNotTrustTheCertificateSaysSoAndAnswers503() throws Exception {
        assertRefused(node("localhost", tlsPort, false), "presented a certificate this node does not trust");
    }

    @Test
    void aCertificateForAnotherHostIsRefused() throws Exception {
        // the CA is trusted, but the certificate names localhost, not 127.0.0.1: peer verification checks the name
        assertRefused(node("127.0.0.1", tlsPort, true), "presented a certificate that does not name the host");
    }

    @Test
    void aNodeGivesTheClientCertificateOfTheJvmsKeyStore() throws Exception {
        Map<String, String> settings = node("localhost", mutualPort, true);
        settings.put("javax.net.ssl.keyStore", dir.resolve("node.p12").toString());
        settings.put("javax.net.ssl.keyStorePassword", KEY_PASSWORD);
        try (DevServerProcess node = DevServerProcess.start("certified", settings)) {
            assertTrue(Await.until(T, () -> node.lines("Connected to Redis at rediss://localhost:" + mutualPort
                    + "/0") == 1), node::output);
            HttpResponse<String> reply = post(node, "with a client certificate");
            assertEquals(200, reply.statusCode(), reply.body() + node.output());
            assertTrue(reply.body().contains("\"type\":\"end\""), reply.body());
            assertFalse(node.output().contains(KEY_PASSWORD), node.output());
        }
    }

    @Test
    void aNodeWithoutAClientCertificateSaysSoWhereRedisAsksForOne() throws Exception {
        assertRefused(node("localhost", mutualPort, true), "asked for a client certificate");
    }

    /** A TLS hello to a plain port waits for the connect timeout; a plain hello to a TLS port is reset. */
    @Test
    void aSchemeThatDoesNotMatchThePortIsOneLineAndNoHang() throws Exception {
        try (RedisServer plain = RedisServer.start()) {
            assertOneLine("rediss://127.0.0.1:" + plain.port(), "cannot be reached");
            assertOneLine("redis://localhost:" + tlsPort, "cannot be reached");
        }
    }

    /** A connection to {@code url}, in this JVM, logs {@code said} once within the connect timeout and a bit. */
    private static void assertOneLine(String url, String said) throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (LoggedLines logged = new LoggedLines(RedisConnection.class);
             RedisConnection c = RedisConnection.open(RedisUrl.parse(url), scheduler)) {
            assertTrue(Await.until(Duration.ofSeconds(5), () -> logged.count(said) > 0), logged::toString);
            assertEquals(1, logged.all().stream().filter(l -> l.startsWith("WARNING")).count(), logged.toString());
            assertTrue(c.isDown());
        } finally {
            scheduler.shutdownNow();
        }
    }

    private static void assertRefused(Map<String, String> settings, String said) throws Exception {
        try (DevServerProcess node = DevServerProcess.start("refused", settings)) {
            assertTrue(Await.until(T, () -> node.lines(said) == 1), node::output);
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> refused = post(node, "hello");
                assertEquals(503, refused.statusCode(), refused.body());
                assertTrue(refused.headers().firstValue("Retry-After").isPresent());
                assertTrue(refused.body().contains("\"unavailable\""), refused.body());
                assertFalse(refused.body().contains("Exception"), refused.body());
            }
            assertEquals(1, node.lines("certificate"), "one line says so: " + node.output());
            assertEquals(0, node.lines("\tat "), "no stack trace: " + node.output());
        }
    }
}
