package io.chatstream.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A throwaway PostgreSQL 15 cluster in a temp directory on a free loopback port: Debian's binaries, run as the
 * {@code postgres} user, trust authentication. Missing binaries skip the test locally and fail it where
 * {@code CI=true} ({@code .ci/run} installs them).
 */
public final class PostgresCluster implements AutoCloseable {

    static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    private final Path dir;
    private final int port;

    private PostgresCluster(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Starts a new cluster, or skips the calling test when PostgreSQL cannot run here (outside CI). */
    public static PostgresCluster start() throws Exception {
        boolean usable = Files.isExecutable(BIN.resolve("initdb")) && isRoot() && hasPostgresUser();
        if ("true".equals(System.getenv("CI"))) {
            if (!usable) {
                throw new IllegalStateException("CI needs PostgreSQL 15 in " + BIN + " and root to run it as the"
                        + " postgres user (apt-get install postgresql)");
            }
        } else {
            assumeTrue(usable, "PostgreSQL 15 is not installed here (apt-get install postgresql)");
        }
        Path dir = Files.createTempDirectory("chat-pg");
        run(List.of("chown", "postgres", dir.toString()));
        Path data = dir.resolve("data");
        run(asPostgres(BIN.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U", "postgres",
                "--no-sync", "-E", "UTF8"));
        PostgresCluster c = new PostgresCluster(dir, freePort());
        c.startServer();
        return c;
    }

    /** Starts the server (again), waiting until it accepts connections. */
    public void startServer() throws Exception {
        run(asPostgres(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
                dir.resolve("log").toString(), "-w", "-o", "-p " + port + " -k " + dir
                        + " -c listen_addresses=127.0.0.1 -c fsync=off", "start"));
    }

    /** Stops the server at once: every connection is cut, as when a database host goes away. */
    public void stopServer() throws Exception {
        run(asPostgres(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate",
                "-w", "stop"));
    }

    /** A new, empty database in this cluster; its JDBC URL. */
    public String createDatabase(String name) throws Exception {
        run(asPostgres(BIN.resolve("createdb").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U",
                "postgres", name));
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + name;
    }

    @Override
    public void close() throws Exception {
        stopServer();
        run(List.of("rm", "-rf", dir.toString()));
    }

    private static List<String> asPostgres(String... command) {
        List<String> all = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        all.addAll(List.of(command));
        return all;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + new String(out));
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static boolean hasPostgresUser() {
        try {
            return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(l -> l.startsWith("postgres:"));
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
