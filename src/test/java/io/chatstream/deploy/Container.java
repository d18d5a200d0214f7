package io.chatstream.deploy;

import io.chatstream.testing.Await;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real servlet container in a process of its own, with {@code chat.war} installed the way a user installs it,
 * bound to 127.0.0.1 on a free port. Three webapps from the same WAR: {@link #CHAT} at the demo's normal pace,
 * {@link #SLOW} at a slow one, for the long reply and for redeploys, and {@link #MODEL} with a provider backend. Settings reach them the container's own ways
 * ({@link #SYSTEM_PROPERTIES}, {@link #ENVIRONMENT}, context parameters).
 */
abstract class Container implements AutoCloseable {

    static final String CHAT = "chat";
    static final String SLOW = "slow";
    /** The same WAR with the OpenAI-compatible backend, against a fake upstream server of the test. */
    static final String MODEL = "model";

    /**
     * The containers' own timeouts, set far below their defaults (Tomcat's {@code connectionTimeout} of 20 s and
     * {@code asyncTimeout} of 30 s, Jetty's idle timeout and async timeout of 30 s): a reply several times longer
     * than all of them then proves what a reply longer than the defaults would, in a fraction of the time.
     */
    static final Duration TIMEOUT = Duration.ofSeconds(8);

    /**
     * Given as JVM system properties ({@code CATALINA_OPTS}, or the {@code java} command of Jetty). The keep-alive
     * is well inside {@link #TIMEOUT}, as a keep-alive must be inside the timeouts on its way.
     */
    static final Map<String, String> SYSTEM_PROPERTIES = Map.of(
            "chat.sse.keepalive-seconds", "2",
            "chat.sse.retry-millis", "2345");
    /** Given as environment variables of the container's process. */
    static final Map<String, String> ENVIRONMENT = Map.of("CHAT_LIMITS_MAX_BODY_BYTES", "4000");
    /** Given as context parameters of {@code /chat} (Tomcat: {@code conf/Catalina/localhost/chat.xml}). */
    static final Map<String, String> CHAT_PARAMETERS = Map.of("chat.demo.reply-tokens", "7");
    /**
     * Given as context parameters of {@code /slow}: 15 reasoning tokens and 1 answer token, one every 2.5 s, so a
     * reply lasts about 40 s (five times {@link #TIMEOUT}), with a keep-alive (every 2 s) in every gap; up to 5,000
     * streams from one address.
     */
    static final Map<String, String> SLOW_PARAMETERS = Map.of(
            "chat.demo.tokens-per-second", "0.4",
            "chat.demo.reply-tokens", "1",
            "chat.limits.max-streams-per-client", "5000");

    /** Given as context parameters of {@code /model}: the OpenAI-compatible backend at {@code upstreamBaseUrl}. */
    static Map<String, String> modelParameters(String upstreamBaseUrl) {
        return Map.of(
                "chat.backend", "openai",
                "chat.openai.base-url", upstreamBaseUrl,
                "chat.openai.api-key", "sk-it-0123456789",
                "chat.openai.model", "deepseek-reasoner");
    }

    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    protected final String name;
    protected final Path base;
    protected final int port;
    private Process process;

    protected Container(String name) throws IOException {
        this.name = name;
        Path work = Path.of(System.getProperty("it.work", "target/it"));
        Files.createDirectories(work);
        // keep only the latest run of each container (its logs are worth a look after a failure); the ITs run in
        // parallel, so no container's name may start with another's followed by "-" (that one's base would go)
        try (Stream<Path> old = Files.list(work)) {
            for (Path p : old.filter(p -> p.getFileName().toString().startsWith(name + "-")).toList()) {
                deleteTree(p);
            }
        }
        this.base = Files.createTempDirectory(work, name + "-");
        this.port = freePort();
    }

    /** The project's WAR, as {@code mvn package} built it. */
    static Path war() {
        Path war = Path.of(System.getProperty("it.war", "target/chat.war"));
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException(war + " is missing: run mvn verify (the ITs need the packaged WAR)");
        }
        return war;
    }

    /** A directory the build unpacked, from a system property set by the failsafe configuration. */
    static Path home(String property) {
        String value = System.getProperty(property);
        if (value == null || !Files.isDirectory(Path.of(value))) {
            throw new IllegalStateException("System property " + property + " must name an unpacked container (it is "
                    + value + "); run through mvn verify");
        }
        return Path.of(value);
    }

    String name() {
        return name;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** Redeploys a webapp the container's way (its descriptor is touched); returns at once. */
    abstract void redeploy(String context) throws IOException;

    /** Undeploys a webapp the container's way (its descriptor is removed); returns at once. */
    abstract void undeploy(String context) throws IOException;

    /** The log files of the container, where its warnings and stack traces go. */
    abstract List<Path> logFiles() throws IOException;

    /**
     * Whether the webapp can answer a chunked body whose framing is broken (a bad chunk size, a chunk extension
     * over the container's limit) while it reads it without blocking. Tomcat 10.1 does not let it: it answers nothing
     * and closes the connection (see docs/security.md).
     */
    abstract boolean webappAnswersBrokenChunks();

    /**
     * Whether, after the webapp refused a body it had not read (413), the container keeps the connection open to
     * swallow the rest of that body (Tomcat: up to {@code maxSwallowSize}, while the client keeps sending, or
     * {@code connectionTimeout} when it stops), so the client reads the answer rather than a reset.
     */
    abstract boolean swallowsRefusedBodies();

    /** Every log line, of every log file. */
    List<String> logLines() throws IOException {
        List<String> lines = new ArrayList<>();
        for (Path p : logFiles()) {
            lines.addAll(Files.readAllLines(p, StandardCharsets.UTF_8));
        }
        return lines;
    }

    /** Starts the process; its output goes to {@code console.log} in the base directory. */
    protected void launch(List<String> command, Path dir, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(consoleLog().toFile());
        for (String inherited : List.of("JAVA_OPTS", "CATALINA_OPTS", "JRE_HOME", "CATALINA_HOME", "CATALINA_BASE",
                "JETTY_HOME", "JETTY_BASE", "JAVA_TOOL_OPTIONS")) {
            pb.environment().remove(inherited);
        }
        pb.environment().keySet().removeIf(k -> k.startsWith("CHAT_"));
        pb.environment().putAll(env);
        process = pb.start();
    }

    protected Path consoleLog() {
        return base.resolve("console.log");
    }

    /** Waits until every webapp answers its health check. */
    protected void awaitStarted() throws IOException, InterruptedException {
        awaitStarted(List.of(CHAT, SLOW, MODEL));
    }

    /** Waits until each of {@code contexts} answers its health check. */
    protected void awaitStarted(List<String> contexts) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        for (String context : contexts) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            boolean up = Await.check(left, () -> !process.isAlive()
                    || status(client, uri("/" + context + "/api/health")) == 200);
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail());
            }
            if (!up) {
                throw new IllegalStateException(name + " did not deploy /" + context + " within " + START_TIMEOUT
                        + ":\n" + tail());
            }
        }
    }

    static int status(HttpClient client, URI uri) throws InterruptedException {
        try {
            return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (InterruptedIOException e) {
            throw new InterruptedException(e.getMessage());
        } catch (IOException e) {
            return -1;
        }
    }

    /** The last lines of the console log, for failure messages. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(consoleLog(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Sets a file's modification time forward, which a container's deployment scanner sees as a change. */
    static void touch(Path file) throws IOException {
        long now = System.currentTimeMillis();
        long previous = Files.getLastModifiedTime(file).toMillis();
        Files.setLastModifiedTime(file, FileTime.fromMillis(Math.max(now, previous + 2000)));
    }

    /**
     * Stops the container the way an init system does (SIGTERM: its shutdown hook stops it cleanly). Interrupted,
     * it kills the container at once and keeps the interrupt.
     */
    @Override
    public void close() {
        if (process == null) {
            return;
        }
        List<ProcessHandle> children;
        try (Stream<ProcessHandle> d = process.descendants()) {
            children = d.toList();
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String xmlEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
