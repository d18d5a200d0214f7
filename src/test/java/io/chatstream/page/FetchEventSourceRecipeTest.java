package io.chatstream.page;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.demo.DemoBackend;
import io.chatstream.testing.SseParser;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The recipe for {@code @microsoft/fetch-event-source} in {@code docs/protocol.md}, run as it is written by Node
 * against the dev server, with the real library (npm, installed at test time into the CI tools folder). A proxy
 * cuts the connection twice, each time right after an event's {@code id:} line and before its {@code data:}, where
 * the library has already taken that id for its next {@code Last-Event-ID}. Every event must arrive exactly once,
 * in order, from one generation, and nothing may be sent after {@code end}. Skipped without node and npm, except on
 * CI ({@code CI=true} or {@code CHAT_REQUIRE_BROWSER=1}, as {@code .ci/run} sets).
 */
class FetchEventSourceRecipeTest {

    static final String LIBRARY = "@microsoft/fetch-event-source";
    static final String VERSION = "2.0.1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RECIPE = Pattern.compile(
            "<!-- recipe: fetch-event-source[^>]*-->\\n```js\\n(.*?)\\n```", Pattern.DOTALL);

    @Test
    void everyEventOnceInOrderAcrossCutsAfterAnIdLineAndNothingAfterEnd() throws Exception {
        Path node = onPath("node");
        Path npm = onPath("npm");
        Path tools = installLibrary(node, npm);

        Matcher recipe = RECIPE.matcher(Files.readString(Path.of("docs/protocol.md")));
        assertTrue(recipe.find(), "docs/protocol.md holds the recipe block");
        // beside the library's node_modules, where Node resolves the recipe's import of it
        Path run = Files.createTempDirectory(tools, "recipe-");
        Path recipeFile = Files.writeString(run.resolve("recipe.mjs"), recipe.group(1));
        try {
            runRecipe(node, recipeFile);
        } finally {
            Files.delete(recipeFile);
            Files.delete(run);
        }
    }

    private static void runRecipe(Path node, Path recipeFile) throws Exception {

        String prompt = "Tell me about streams";
        try (TestServer server = TestServer.start(Map.of("chat.demo.tokens-per-second", "100",
                "chat.sse.retry-millis", "100"));
             CuttingProxy proxy = new CuttingProxy(server.port())) {
            // the id line of event 5, then (once resumed) of event 40, each without the data that follows it: the
            // first connection reset (the library's error path), the second closed cleanly (its close path). A reset
            // can overtake the bytes just before it (on Linux it discards what the client has not read yet): fine for
            // the first cut, where events come 10 ms apart and event 4 was read long before, not for the second,
            // which can fall in the resume's burst of replayed events, event 39 in the same read as the cut
            proxy.resetResponseAfter(Pattern.compile("id: [\\w-]+:5\\n"));
            proxy.closeResponseAfter(Pattern.compile("id: [\\w-]+:40\\n"));
            Process p = new ProcessBuilder(node.toString(), Path.of("src/test/js/fetch-event-source-check.mjs")
                    .toAbsolutePath().toString(), recipeFile.toUri().toString(), proxy.uri("/api").toString(), prompt)
                    .redirectErrorStream(true).start();
            List<String> lines = new ArrayList<>();
            Thread reader = new Thread(() -> new java.io.BufferedReader(new java.io.InputStreamReader(
                    p.getInputStream(), StandardCharsets.UTF_8)).lines().forEach(line -> {
                        synchronized (lines) {
                            lines.add(line);
                        }
                    }), "node-output");
            reader.start();
            boolean exited = p.waitFor(60, TimeUnit.SECONDS);
            if (!exited) {
                p.destroyForcibly();
            }
            reader.join(5000);
            String output;
            synchronized (lines) {
                output = String.join("\n", lines);
            }
            assertTrue(exited, "the recipe did not finish within 60 s: " + output
                    + "\nrequests: " + requestLines(proxy));
            assertEquals(0, p.exitValue(), output);

            JsonNode events = JSON.readTree(lines.get(lines.size() - 1)).get("events");
            String streamId = events.get(0).path("stream_id").asText();
            List<SseParser.Frame> replay = PageTesting.replay(server, streamId);
            assertEquals(replay.size(), events.size(), "as many events as the stream holds: " + output);
            for (int i = 0; i < replay.size(); i++) {
                assertEquals(JSON.readTree(replay.get(i).data()), events.get(i), "event " + (i + 1));
            }
            StringBuilder text = new StringBuilder();
            events.forEach(e -> text.append(e.path("type").asText().equals("chunk") ? e.get("content").asText() : ""));
            assertEquals(DemoBackend.answerText(ChatRequest.of(prompt)), text.toString());
            assertEquals("end", events.get(events.size() - 1).path("type").asText());

            List<String> requests = requestLines(proxy);
            assertEquals(1, requests.stream().filter(r -> r.startsWith("POST /api/chat ")).count(),
                    "one POST: " + requests);
            assertEquals(2, requests.stream().filter(r -> r.startsWith("GET /api/chat/streams/" + streamId)).count(),
                    "a resume after each cut, none after end: " + requests);
            String sent = proxy.requests().toLowerCase(Locale.ROOT);
            assertTrue(sent.contains("last-event-id: " + streamId.toLowerCase(Locale.ROOT) + ":4\r\n"),
                    "the first resume names event 4, the last one processed, not 5: " + proxy.requests());
            assertTrue(sent.contains("last-event-id: " + streamId.toLowerCase(Locale.ROOT) + ":39\r\n"),
                    proxy.requests());
            assertEquals(1, PageTesting.streamsHeld(server), "one generation");
        }
    }

    /** The library in the tools folder CI shares ({@code CI_TOOLS_DIR}); installed with npm when missing. */
    private static Path installLibrary(Path node, Path npm) throws Exception {
        boolean required = "1".equals(System.getenv("CHAT_REQUIRE_BROWSER")) || "true".equals(System.getenv("CI"));
        if (node == null || npm == null) {
            if (required) {
                fail("node and npm are needed for this test (CI has them for the Dockerfile lint)");
            }
            assumeTrue(false, "node or npm is not installed");
        }
        String base = System.getenv().getOrDefault("CI_TOOLS_DIR",
                Path.of(System.getProperty("java.io.tmpdir"), "chatstream-ci-tools").toString());
        Path tools = Path.of(base, "fetch-event-source");
        Path installed = tools.resolve("node_modules/" + LIBRARY + "/package.json");
        if (!Files.exists(installed) || !Files.readString(installed).contains("\"version\": \"" + VERSION + "\"")) {
            Files.createDirectories(tools);
            Process p = new ProcessBuilder(npm.toString(), "install", "--no-save", "--no-audit", "--no-fund",
                    "--loglevel=error", "--fetch-retries=1", "--fetch-timeout=30000", "--prefix", tools.toString(),
                    LIBRARY + "@" + VERSION)
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean ok = p.waitFor(180, TimeUnit.SECONDS) && p.exitValue() == 0;
            if (!ok && required) {
                fail("npm install " + LIBRARY + "@" + VERSION + " failed: " + output);
            }
            assumeTrue(ok, "npm could not install " + LIBRARY + " (offline?): " + output);
        }
        return tools;
    }

    /** The request lines the proxy saw (a body is not followed by a line break). */
    private static List<String> requestLines(CuttingProxy proxy) {
        return Pattern.compile("(GET|POST|DELETE) \\S+ HTTP/1\\.1").matcher(proxy.requests()).results()
                .map(MatchResult::group).toList();
    }

    private static Path onPath(String command) throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
