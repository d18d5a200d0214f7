package io.chatstream.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A class-data sharing archive of what a dev-server JVM loads, so the many nodes the tests start read their classes
 * ready-parsed instead of parsing and verifying some six thousand of them each time (about a second of CPU of the
 * ~2.9 a node takes to listen; measured with Lettuce, Jetty and Jackson on the class path).
 *
 * <p>The JVM archives classes of jars only, so the test class path's folders ({@code target/classes},
 * {@code target/test-classes}, ...) are copied into jars under {@code target/child-jvm/}, named by a digest of what
 * is in them: a changed class makes a new jar, so a new class path, so a new archive. The jars are written the same
 * way by every test JVM of the run (entries sorted, fixed times), so two writing at once write the same bytes.
 *
 * <p>The first node of a kind a run starts is preceded by a node of the same command that starts, is stopped and
 * dumps what it loaded as it exits ({@code -XX:ArchiveClassesAtExit}): about 3 s, once, after which every node of
 * the kind uses the archive (a node to start while another test JVM makes it waits for it). A kind is what decides
 * which classes a node loads: a cluster node loads Lettuce, Netty and Reactor (some 1,400 classes) that a single node
 * never does. The run that makes it has the settings of the node it precedes, so it connects to the same Redis and
 * opens the same conversation store, and has stopped (drained, unregistered, store closed) before that node starts:
 * what a test sees is a node that came and went cleanly before its own. Whatever goes wrong here, a node still
 * starts, only without an archive.
 */
final class ClassDataArchive {

    private static final Path DIR = Path.of("target", "child-jvm");
    /** The JVM validates a jar of an archive by size and time: both are the same for the same content. */
    private static final FileTime FIXED = FileTime.fromMillis(946_684_800_000L);
    /** How long the run that makes an archive may take to listen, and then to exit (a node takes about 3 s). */
    private static final Duration TRAINING = Duration.ofSeconds(30);
    /** A claim older than this was abandoned (its test JVM ended while making the archive). */
    private static final Duration STALE = Duration.ofMinutes(10);
    /** The class path with its folders as jars, or the test JVM's own if they could not be written. */
    private static final String CLASS_PATH = jarredClassPath();
    private static final Map<String, ClassDataArchive> KINDS = new ConcurrentHashMap<>();

    private final Path archive;

    private ClassDataArchive(Path archive) {
        this.archive = archive;
    }

    /** The archive of the nodes of this kind (a word: {@code cluster}, {@code single}). */
    static ClassDataArchive of(String kind) {
        return KINDS.computeIfAbsent(kind, k -> new ClassDataArchive(CLASS_PATH.equals(originalClassPath()) ? null
                : DIR.resolve("dev-server-" + k + "-" + digest(CLASS_PATH) + ".jsa").toAbsolutePath()));
    }

    private static String originalClassPath() {
        return System.getProperty("java.class.path");
    }

    private static String jarredClassPath() {
        try {
            Files.createDirectories(DIR);
            List<String> entries = new ArrayList<>();
            for (String entry : originalClassPath().split(File.pathSeparator)) {
                Path path = Path.of(entry);
                entries.add(Files.isDirectory(path) ? jarOf(path).toString() : entry);
            }
            return String.join(File.pathSeparator, entries);
        } catch (IOException | UncheckedIOException e) {
            return originalClassPath();
        }
    }

    /**
     * Starts {@code java <options> <the archive's options> -cp <jars> <rest>} with its errors merged into its output.
     * When the kind has no archive yet, and no other JVM is making it, the same command is first run once to make
     * it: until it says it listens, then stopped, dumping what it loaded as it exits.
     */
    Process start(List<String> options, List<String> rest) throws IOException {
        if (archive != null && !Files.isRegularFile(archive)) {
            train(options, rest);
        }
        List<String> archiveOptions = archive != null && Files.isRegularFile(archive)
                ? List.of("-XX:SharedArchiveFile=" + archive) : List.of();
        return new ProcessBuilder(command(options, archiveOptions, rest)).redirectErrorStream(true).start();
    }

    private List<String> command(List<String> options, List<String> archiveOptions, List<String> rest) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        if (archive != null) {
            // the JVM's notes on the classes it leaves out of an archive (generated ones, JFR events) are not the
            // node's warnings
            command.addAll(List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
            command.addAll(archiveOptions);
        }
        command.add("-cp");
        command.add(archive == null ? originalClassPath() : CLASS_PATH);
        command.addAll(rest);
        return command;
    }

    /** Runs the node once to dump the archive; on any failure the node runs without one. */
    private void train(List<String> options, List<String> rest) {
        Path lock = archive.resolveSibling(archive.getFileName() + ".dumping");
        if (!claim(lock)) {
            // another test JVM makes it: its few seconds are worth waiting for, as every node after uses the archive
            Await.until(TRAINING, () -> Files.isRegularFile(archive) || !Files.exists(lock));
            return;
        }
        Path partial = archive.resolveSibling(archive.getFileName() + ".partial");
        Process process = null;
        try {
            process = new ProcessBuilder(command(options, List.of("-XX:ArchiveClassesAtExit=" + partial), rest))
                    .redirectErrorStream(true).start();
            CompletableFuture<Void> listening = listening(process);
            listening.get(TRAINING.toSeconds(), TimeUnit.SECONDS);
            process.toHandle().destroy(); // SIGTERM: the JVM dumps as it exits
            if (process.waitFor(TRAINING.toSeconds(), TimeUnit.SECONDS)
                    && Files.isRegularFile(partial) && Files.size(partial) > 0) {
                Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException | ExecutionException | TimeoutException e) {
            // run without
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (process != null) {
                process.destroyForcibly();
            }
            try {
                Files.deleteIfExists(partial);
                Files.deleteIfExists(lock);
            } catch (IOException e) {
                // the lock goes stale and is taken over
            }
        }
    }

    /** Completes when the node prints the line saying it listens, or exceptionally when its output ends first. */
    private static CompletableFuture<Void> listening(Process process) {
        CompletableFuture<Void> listening = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.contains("Chat dev server on ")) {
                        listening.complete(null);
                    }
                }
            } catch (IOException e) {
                // ended
            }
            listening.completeExceptionally(new IOException("the node ended before it listened"));
        }, "class-data-training");
        reader.setDaemon(true);
        reader.start();
        return listening;
    }

    private static boolean claim(Path lock) {
        try {
            Files.createFile(lock);
            return true;
        } catch (IOException e) {
            try {
                // left by a test JVM that ended before its node did: nobody is dumping
                if (Files.getLastModifiedTime(lock).toInstant().isBefore(Instant.now().minus(STALE))) {
                    Files.delete(lock);
                    Files.createFile(lock);
                    return true;
                }
            } catch (IOException | RuntimeException again) {
                // run without
            }
            return false; // another JVM dumps it, or the folder cannot be written: run without
        }
    }

    private static Path jarOf(Path folder) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        MessageDigest digest = sha256();
        digest.update(folder.toAbsolutePath().toString().getBytes());
        for (Path file : files) {
            digest.update((folder.relativize(file) + "\0" + Files.size(file) + "\0"
                    + Files.getLastModifiedTime(file).toMillis() + "\n").getBytes());
        }
        Path jar = DIR.resolve(folder.getFileName() + "-" + HexFormat.of().formatHex(digest.digest(), 0, 8) + ".jar")
                .toAbsolutePath();
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        Path partial = Files.createTempFile(DIR, folder.getFileName().toString(), ".partial");
        try (OutputStream out = Files.newOutputStream(partial); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(Deflater.BEST_SPEED);
            for (Path file : files) {
                ZipEntry entry = new ZipEntry(folder.relativize(file).toString().replace('\\', '/'));
                entry.setLastModifiedTime(FIXED);
                zip.putNextEntry(entry);
                Files.copy(file, zip);
                zip.closeEntry();
            }
        }
        Files.setLastModifiedTime(partial, FIXED);
        Files.move(partial, jar, StandardCopyOption.ATOMIC_MOVE);
        return jar;
    }

    private static String digest(String text) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes()), 0, 8);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
