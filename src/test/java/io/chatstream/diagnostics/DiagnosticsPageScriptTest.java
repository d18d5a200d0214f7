package io.chatstream.diagnostics;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The verdicts of the connection test page ({@code webapp/assets/diagnostics-verdict.js}): buffering, bursts, idle
 * cuts and what to change, for recorded arrival timings. Runs {@code src/test/js/diagnostics.test.mjs} with Node's
 * test runner (Node 18+), which CI has for the Dockerfile lint. The page's modules are {@code .js} files the browser
 * loads as modules; Node reads a {@code .js} file as CommonJS unless a {@code package.json} says otherwise, so the
 * test gets a copy named {@code .mjs}.
 */
class DiagnosticsPageScriptTest {

    @Test
    void thePageSaysPlainlyWhatTheTimingsShow() throws Exception {
        Path node = onPath("node");
        if (node == null && HeadlessChromium.required()) {
            fail("node is not installed (CI has it for the Dockerfile lint)");
        }
        assumeTrue(node != null, "node is not installed");
        Path dir = Files.createTempDirectory("diagnostics-verdict");
        Path module = Files.copy(Path.of("webapp/assets/diagnostics-verdict.js"), dir.resolve("diagnostics-verdict.mjs"));
        try {
            ProcessBuilder run = new ProcessBuilder(node.toString(), "--test", "src/test/js/diagnostics.test.mjs")
                    .redirectErrorStream(true);
            run.environment().put("VERDICT_MODULE", module.toUri().toString());
            Process p = run.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), output);
            assertTrue(output.matches("(?s).*# pass [1-9].*") && output.contains("# fail 0"), output);
        } finally {
            Files.delete(module);
            Files.delete(dir);
        }
    }

    private static Path onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
