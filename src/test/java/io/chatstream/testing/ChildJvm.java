package io.chatstream.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JVM options of the processes the tests start (dev-server nodes, real containers), as the test JVMs' own
 * ({@code test.jvm.flags} in {@code pom.xml}). Such a JVM lives seconds to minutes, on two cores shared with
 * everything else the run does:
 * <ul>
 *   <li>the JIT's first tier alone: the optimising compiler's CPU never pays off in so short a life;</li>
 *   <li>the serial collector: G1's concurrent threads and write barriers cost more CPU than its short pauses save
 *       for heaps this small (a fifth less CPU for the same tests, measured on the security, web and stream
 *       tests).</li>
 * </ul>
 */
public final class ChildJvm {

    public static final List<String> FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    /**
     * Starts the dev server ({@code io.chatstream.dev.DevServer} serving the working folder) in a JVM of its own,
     * on the tests' classes and libraries, with {@link #FLAGS}, then {@code options}, then the settings as system
     * properties; its errors are merged into its output. The JVMs of one kind (cluster nodes, single ones) share a
     * {@link ClassDataArchive}.
     */
    public static Process startDevServer(List<String> options, Map<String, String> settings) throws IOException {
        List<String> jvm = new ArrayList<>(FLAGS);
        jvm.addAll(options);
        settings.forEach((k, v) -> jvm.add("-D" + k + "=" + v));
        String kind = settings.containsKey("chat.cluster.redis-url") ? "cluster" : "single";
        return ClassDataArchive.of(kind).start(jvm,
                List.of("io.chatstream.dev.DevServer", Path.of("").toAbsolutePath().toString()));
    }

    private ChildJvm() {
    }
}
