package io.chatstream.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian's, {@code /usr/bin/redis-server}) on a free port of 127.0.0.1, with no
 * persistence, in a temporary directory; stopped by {@link #close()}. {@link #stop()} and {@link #restart()} keep
 * the port, for outages.
 */
public final class RedisServer implements AutoCloseable {

    public static final Path BINARY = Path.of(System.getProperty("chat.test.redis-server", "/usr/bin/redis-server"));

    private final int port;
    private final Path dir;
    private final String[] options;
    private Process process;

    private RedisServer(int port, Path dir, String[] options) {
        this.port = port;
        this.dir = dir;
        this.options = options;
    }

    /** True when the binary is installed (CI installs it; see {@code .ci/run}). */
    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** Starts a server, with more {@code redis-server} options, and returns once it accepts connections. */
    public static RedisServer start(String... options) throws Exception {
        RedisServer s = new RedisServer(freePort(), Files.createTempDirectory("chat-redis"), options);
        s.restart();
        return s;
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:PORT} */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the process again on the same port; returns once it is ready. */
    public synchronized void restart() throws Exception {
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        command.addAll(List.of(options));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        process = pb.start();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Process p = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                StringBuilder seen = new StringBuilder();
                while ((line = in.readLine()) != null) {
                    seen.append(line).append('\n');
                    if (line.contains("Ready to accept connections")) {
                        ready.complete(null);
                    }
                }
                ready.completeExceptionally(new IllegalStateException("redis-server ended:\n" + seen));
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
        }, "redis-server-output");
        reader.setDaemon(true);
        reader.start();
        ready.get(20, TimeUnit.SECONDS);
    }

    /** Kills the process (an outage); the port is kept for {@link #restart()}. */
    public synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            process = null;
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        // with --appendonly yes Redis keeps its files in a directory of their own in dir
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
