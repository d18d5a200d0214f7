package io.chatstream.backend.example;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.backend.testing.RecordingSink;
import io.chatstream.backend.testing.TestBackendContext;
import io.chatstream.backend.upstream.Json;
import io.chatstream.dev.DevServer;
import io.chatstream.event.FinishReason;
import io.chatstream.event.Usage;
import io.chatstream.testing.SseParser;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The custom backend example of {@code docs/backends.md} ({@code src/test/examples/gateway-backend}) built the way a user builds
 * it, into a jar of its own, then found by name: by a class loader that has only that jar on top of the product,
 * and by a real webapp that has it in {@code WEB-INF/lib}.
 */
@Timeout(120)
class CustomBackendJarTest {

    private static final Path EXAMPLE = Path.of("src/test/examples/gateway-backend/src/main");

    @TempDir
    static Path work;
    static Path jar;

    /** {@code javac} then {@code jar}, as {@code docs/backends.md} shows. */
    @BeforeAll
    static void buildTheExampleJar() throws Exception {
        Path classes = Files.createDirectories(work.resolve("classes"));
        List<String> sources;
        try (Stream<Path> files = Files.walk(EXAMPLE.resolve("java"))) {
            sources = files.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        String classpath = String.join(java.io.File.pathSeparator, location(ChatBackend.class),
                location(ObjectMapper.class), location(JsonFactory.class), location(JsonProperty.class));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "tests run on a JDK");
        List<String> args = new ArrayList<>(List.of("--release", "17", "-Xlint:all", "-Werror",
                "-classpath", classpath, "-d", classes.toString()));
        args.addAll(sources);
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int status = javac.run(null, errors, errors, args.toArray(String[]::new));
        assertEquals(0, status, "the example compiles:\n" + errors);

        jar = work.resolve("gateway-backend.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            add(out, classes);
            add(out, EXAMPLE.resolve("resources"));
        }
    }

    private static String location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static void add(JarOutputStream out, Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(root.relativize(p).toString().replace('\\', '/')));
                Files.copy(p, out);
                out.closeEntry();
            }
        }
    }

    private static void serveGateway(FakeUpstream.Exchange ex) throws IOException {
        if (!"secret-house-token".equals(ex.request().header("X-Api-Token"))) {
            ex.respondFully(401, "application/json", "{\"error\":\"bad token\"}");
            return;
        }
        JsonNode request = Json.parse(ex.request().body());
        String echo = request.get("messages").get(0).get("content").asText();
        ex.respond(200, "application/x-ndjson")
                .write(("{\"delta\":\"网关说：\"}\n{\"delta\":\"" + echo + " 🚀\"}\n").getBytes(
                        StandardCharsets.UTF_8), FakeUpstream.Splits.oneByte());
        ex.write("{\"finish\":\"stop\",\"input_tokens\":4,\"output_tokens\":6}\n");
        ex.end();
    }

    @Test
    void foundByServiceLoaderInItsOwnJarAndStreams() throws Exception {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("com.example.gateway.GatewayBackend"),
                "the example is not on the test classpath: only the jar brings it");
        try (URLClassLoader webappLike = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                getClass().getClassLoader());
             FakeUpstream gateway = FakeUpstream.start(CustomBackendJarTest::serveGateway);
             TestBackendContext context = new TestBackendContext(Map.of("chat.gateway.url",
                     gateway.url("/v1/generate"), "chat.gateway.token", "secret-house-token"),
                     Duration.ofSeconds(10))) {
            ChatBackendProvider provider = ServiceLoader.load(ChatBackendProvider.class, webappLike).stream()
                    .map(ServiceLoader.Provider::get)
                    .filter(p -> p.name().equals("gateway")).findFirst().orElseThrow();
            assertSame(webappLike, provider.getClass().getClassLoader());
            assertNotSame(webappLike, ChatBackend.class.getClassLoader(), "the API comes from the product");

            ChatBackend backend = provider.create(context);
            assertEquals("house-model", backend.defaultModel());
            RecordingSink sink = new RecordingSink();
            backend.start(ChatRequest.of("你好"), sink);
            RecordingSink.Reply reply = sink.awaitReply();
            assertEquals("网关说：你好 🚀", reply.answer());
            assertEquals(FinishReason.STOP, reply.end().reason());
            assertEquals(new Usage(4, 6), reply.end().usage());
        }
    }

    @Test
    void foundByNameFromWebInfLibOfARealWebapp() throws Exception {
        Path project = Files.createDirectories(work.resolve("project"));
        Path webInf = Files.createDirectories(project.resolve("webapp/WEB-INF/lib"));
        Files.copy(Path.of("webapp/WEB-INF/web.xml"), webInf.getParent().resolve("web.xml"));
        Files.copy(jar, webInf.resolve("gateway-backend.jar"));
        copyTree(Path.of("target/classes"), project.resolve("target/classes"));

        try (FakeUpstream gateway = FakeUpstream.start(CustomBackendJarTest::serveGateway)) {
            Server server = DevServer.newServer("127.0.0.1", 0, project, Map.of(
                    "chat.backend", "gateway", "chat.store.url", "off",
                    "chat.gateway.url", gateway.url("/v1/generate"),
                    "chat.gateway.token", "secret-house-token"));
            server.start();
            try {
                HttpClient client = HttpClient.newHttpClient();
                HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + DevServer.port(server) + "/api/chat"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"from WEB-INF/lib\"}")).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, response.statusCode());
                List<JsonNode> events = new ArrayList<>();
                try (InputStream body = response.body()) {
                    SseParser parser = new SseParser();
                    byte[] buffer = new byte[4096];
                    int n;
                    while (!isTerminal(events) && (n = body.read(buffer)) >= 0) {
                        for (SseParser.Frame f : parser.feed(buffer, 0, n)) {
                            if (f.isEvent()) {
                                events.add(Json.parse(f.data()));
                            }
                        }
                    }
                }
                assertEquals("start", events.get(0).get("type").asText());
                assertEquals("house-model", events.get(0).get("model").asText());
                StringBuilder answer = new StringBuilder();
                events.stream().filter(e -> e.get("type").asText().equals("chunk"))
                        .forEach(e -> answer.append(e.get("content").asText()));
                assertEquals("网关说：from WEB-INF/lib 🚀", answer.toString());
                JsonNode end = events.get(events.size() - 1);
                assertEquals("end", end.get("type").asText(), events.toString());
                assertEquals(6, end.get("usage").get("completion_tokens").asInt());
            } finally {
                server.stop();
            }
        }
    }

    private static boolean isTerminal(List<JsonNode> events) {
        if (events.isEmpty()) {
            return false;
        }
        String type = events.get(events.size() - 1).get("type").asText();
        return type.equals("end") || type.equals("error");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
