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
 * The verdicts of the connection test page ({@code webapp/diagnostics.js}): buffering, bursts, idle cuts and what
 * to change, for recorded arrival timings. Runs {@code src/test/js/diagnostics.test.js} with Node's test runner
 * (Node 18+), which CI has for the Dockerfile lint.
 */
class DiagnosticsPageScriptTest {

    @Test
    void thePageSaysPlainlyWhatTheTimingsShow() throws Exception {
        Path node = onPath("node");
        if (node == null && HeadlessChromium.required()) {
            fail("node is not installed (CI has it for the Dockerfile lint)");
        }
        assumeTrue(node != null, "node is not installed");
        Process p = new ProcessBuilder(node.toString(), "--test", "src/test/js/diagnostics.test.js")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.matches("(?s).*# pass [1-9].*") && output.contains("# fail 0"), output);
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
