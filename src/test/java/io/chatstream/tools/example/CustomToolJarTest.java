package io.chatstream.tools.example;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import io.chatstream.dev.DevServer;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;
import io.chatstream.tools.BlockingToolPool;
import io.chatstream.tools.ChatTool;
import io.chatstream.tools.ChatToolProvider;
import io.chatstream.tools.ToolCallContext;
import io.chatstream.tools.ToolContext;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
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
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server tool example of {@code docs/tools.md} ({@code src/test/examples/stock-tool}) built the way a user
 * builds it, into a jar of its own, then found by name: by a class loader that has only that jar on top of the
 * product, and by a real webapp that has it in {@code WEB-INF/lib}, where the model's call of it runs in the loop.
 */
@Timeout(120)
class CustomToolJarTest {

    private static final Path EXAMPLE = Path.of("src/test/examples/stock-tool/src/main");

    @TempDir
    static Path work;
    static Path jar;
    static Path stockFile;

    /** {@code javac} then {@code jar}, as {@code docs/tools.md} shows. */
    @BeforeAll
    static void buildTheExampleJar() throws Exception {
        Path classes = Files.createDirectories(work.resolve("classes"));
        List<String> sources;
        try (Stream<Path> files = Files.walk(EXAMPLE.resolve("java"))) {
            sources = files.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        String classpath = String.join(java.io.File.pathSeparator, location(ChatTool.class),
                location(ObjectMapper.class), location(JsonFactory.class), location(JsonProperty.class));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "tests run on a JDK");
        List<String> args = new ArrayList<>(List.of("--release", "17", "-Xlint:all", "-Werror",
                "-classpath", classpath, "-d", classes.toString()));
        args.addAll(sources);
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int status = javac.run(null, errors, errors, args.toArray(String[]::new));
        assertEquals(0, status, "the example compiles:\n" + errors);

        jar = work.resolve("stock-tool.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            add(out, classes);
            add(out, EXAMPLE.resolve("resources"));
        }
        stockFile = Files.writeString(work.resolve("stock.csv"), "AB-123,12\nCD-9,0\n");
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

    @Test
    void foundByServiceLoaderInItsOwnJarAndValidatesItsArguments() throws Exception {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("com.example.stock.StockTool"),
                "the example is not on the test classpath: only the jar brings it");
        try (URLClassLoader webappLike = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                getClass().getClassLoader());
             BlockingToolPool pool = new BlockingToolPool(2, 4)) {
            ChatToolProvider provider = ServiceLoader.load(ChatToolProvider.class, webappLike).stream()
                    .map(ServiceLoader.Provider::get)
                    .filter(p -> p.name().equals("stock")).findFirst().orElseThrow();
            assertSame(webappLike, provider.getClass().getClassLoader());

            ConfigException missing = assertThrows(ConfigException.class, () -> provider.create(
                    new ToolContext(Settings.of(Map.of()), Clock.systemUTC(), pool)));
            assertTrue(missing.getMessage().startsWith("chat.stock.file"), missing.getMessage());

            ChatTool tool = provider.create(new ToolContext(Settings.of(Map.of("chat.stock.file",
                    stockFile.toString())), Clock.systemUTC(), pool));
            assertEquals("12 units of AB-123 in stock", tool.call(new ToolCallContext("c1", "{\"sku\":\"AB-123\"}",
                    null)).toCompletableFuture().join());
            assertEquals("no article ZZ-1", tool.call(new ToolCallContext("c2", "{\"sku\":\"ZZ-1\"}", null))
                    .toCompletableFuture().join());
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> tool.call(new ToolCallContext("c3", "{\"sku\":\"../../etc/passwd\"}", null)));
            assertEquals("'sku' must be an article number such as AB-123", bad.getMessage());

            ChatTool signedIn = provider.create(new ToolContext(Settings.of(Map.of("chat.stock.file",
                    stockFile.toString(), "chat.stock.require-user", "true")), Clock.systemUTC(), pool));
            assertThrows(IllegalStateException.class,
                    () -> signedIn.call(new ToolCallContext("c4", "{\"sku\":\"AB-123\"}", null)));
            assertEquals("0 units of CD-9 in stock", signedIn.call(new ToolCallContext("c5", "{\"sku\":\"CD-9\"}",
                    "token:0123")).toCompletableFuture().join());
        }
    }

    @Test
    void foundByNameFromWebInfLibOfARealWebappAndRunInTheLoop() throws Exception {
        Path project = Files.createDirectories(work.resolve("project"));
        Path webInf = Files.createDirectories(project.resolve("webapp/WEB-INF/lib"));
        Files.copy(Path.of("webapp/WEB-INF/web.xml"), webInf.getParent().resolve("web.xml"));
        Files.copy(jar, webInf.resolve("stock-tool.jar"));
        copyTree(Path.of("target/classes"), project.resolve("target/classes"));

        // the scripted test model of the unit tests' class path asks for the tool; the tool comes from the jar
        Server server = DevServer.newServer("127.0.0.1", 0, project, Map.of(
                "chat.backend", "tools-test", "chat.store.url", "off",
                "chat.tools", "stock", "chat.stock.file", stockFile.toString()));
        server.start();
        try {
            String prompt = "call-with stock {\"sku\":\"AB-123\"}";
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + DevServer.port(server)
                    + "/api/chat?prompt=" + URLEncoder.encode(prompt, StandardCharsets.UTF_8))).build();
            try (SseRecorder r = SseRecorder.open(HttpClient.newHttpClient(), request)) {
                assertEquals(200, r.status());
                List<Event> events = r.readToEnd(Duration.ofSeconds(20));
                List<String> types = events.stream().map(Event::type).toList();
                assertEquals(List.of("start", "tool_call", "tool_result", "chunk", "end"), types);
                assertEquals("12 units of AB-123 in stock", events.get(2).json().get("result").asText());
                assertEquals("after tools: 12 units of AB-123 in stock", SseRecorder.text(events, "chunk"));
            }
        } finally {
            server.stop();
        }
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
