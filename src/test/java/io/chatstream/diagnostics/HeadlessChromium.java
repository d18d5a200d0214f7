package io.chatstream.diagnostics;

import io.chatstream.testing.Await;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A headless Chromium driven over the DevTools protocol with the JDK's own WebSocket client: navigate, evaluate
 * JavaScript, read the result. Enough to run a page as a user would, without a browser-automation library.
 */
final class HeadlessChromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private HeadlessChromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** On CI a missing browser fails the browser tests instead of skipping them. */
    static boolean required() {
        return "1".equals(System.getenv("CHAT_REQUIRE_BROWSER")) || "true".equals(System.getenv("CI"));
    }

    /** The browser's executable on the PATH, or null. */
    static Path find() {
        for (String name : new String[] {"chromium", "chromium-browser", "google-chrome"}) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    static HeadlessChromium start(Path executable) throws Exception {
        Path profile = Files.createTempDirectory("chromium-profile");
        Process process = new ProcessBuilder(executable.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--remote-debugging-port=0",
                "--remote-allow-origins=*", "--user-data-dir=" + profile, "about:blank")
                .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
        try {
            Path portFile = profile.resolve("DevToolsActivePort");
            boolean started = Await.check(Duration.ofSeconds(30), () -> !process.isAlive()
                    || Files.exists(portFile) && !Files.readAllLines(portFile).isEmpty());
            if (!started || !process.isAlive()) {
                throw new IllegalStateException("Chromium did not start:\n"
                        + Files.readString(profile.resolve("chromium.log")));
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
            HttpClient http = HttpClient.newHttpClient();
            JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            String url = null;
            for (JsonNode t : targets) {
                if (t.get("type").asText().equals("page")) {
                    url = t.get("webSocketDebuggerUrl").asText();
                }
            }
            if (url == null) {
                throw new IllegalStateException("no page target: " + targets);
            }
            HeadlessChromium[] self = new HeadlessChromium[1];
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(url), new WebSocket.Listener() {
                private final StringBuilder text = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                        self[0].onMessage(text.toString());
                        text.setLength(0);
                    }
                    webSocket.request(1);
                    return null;
                }
            }).get(10, TimeUnit.SECONDS);
            self[0] = new HeadlessChromium(process, profile, ws);
            return self[0];
        } catch (Exception | Error e) {
            process.destroyForcibly();
            throw e;
        }
    }

    private void onMessage(String message) {
        try {
            JsonNode m = JSON.readTree(message);
            if (m.has("id")) {
                CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
                if (f != null) {
                    f.complete(m);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends a DevTools command and waits for its result. */
    JsonNode call(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
        command.set("params", JSON.valueToTree(params));
        socket.sendText(JSON.writeValueAsString(command), true).get(10, TimeUnit.SECONDS);
        JsonNode m = reply.get(30, TimeUnit.SECONDS);
        if (m.has("error")) {
            throw new IllegalStateException(method + ": " + m.get("error"));
        }
        return m.get("result");
    }

    /** Opens {@code url} in the tab and waits until it has loaded. */
    void open(URI url) throws Exception {
        call("Page.navigate", Map.of("url", url.toString()));
        if (!Await.check(Duration.ofSeconds(20), () -> "complete".equals(eval("document.readyState").asText())
                && "http:".equals(eval("location.protocol").asText()))) {
            throw new AssertionError("the page did not load: " + url);
        }
    }

    /** The value of a JavaScript expression in the page. */
    JsonNode eval(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (r.has("exceptionDetails")) {
            throw new IllegalStateException(expression + ": " + r.get("exceptionDetails"));
        }
        JsonNode value = r.get("result").get("value");
        return value == null ? JSON.nullNode() : value;
    }

    /** Waits until {@code condition} (a JavaScript expression) is true in the page. */
    void await(String condition, Duration timeout) throws Exception {
        if (!Await.check(timeout, () -> eval(condition).asBoolean())) {
            throw new AssertionError("not within " + timeout + ": " + condition + "; page says: "
                    + eval("document.querySelector('main').innerText").asText());
        }
    }

    /** Ends the browser; interrupted, it kills it at once and keeps the interrupt. */
    @Override
    public void close() throws IOException {
        socket.abort();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
