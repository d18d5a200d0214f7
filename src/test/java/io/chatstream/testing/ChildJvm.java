package io.chatstream.testing;

import java.util.List;

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

    private ChildJvm() {
    }
}
