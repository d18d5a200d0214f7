package io.chatstream.cluster;

import io.chatstream.testing.Await;
import io.chatstream.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dev server as a JVM process of its own ({@code java -cp <the tests' class path> io.chatstream.dev.DevServer}),
 * on a free port, with settings as system properties: one node of a cluster. Its output (logs included) is kept,
 * line by line, for assertions.
 */
public final class DevServerProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("Chat dev server on http://localhost:(\\d+)/");

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final String name;
    private volatile int port = -1;

    private DevServerProcess(String name, Map<String, String> settings) throws IOException {
        this.name = name;
        Map<String, String> all = new LinkedHashMap<>();
        all.put("chat.server.port", "0");
        all.putAll(settings);
        process = ChildJvm.startDevServer(List.of("-Xss512k", "-Xmx256m"), all);
        Thread reader = new Thread(this::read, "node-" + name + "-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts a node and returns once it listens. */
    public static DevServerProcess start(String name, Map<String, String> settings) throws IOException {
        return launch(name, settings).awaitListening();
    }

    /**
     * Starts the nodes side by side and returns once each listens: a JVM's start-up is mostly class loading and
     * waiting, so two take little longer than one.
     */
    public static DevServerProcess[] startAll(Map<String, String> settings, String... names) throws IOException {
        DevServerProcess[] nodes = new DevServerProcess[names.length];
        try {
            for (int i = 0; i < names.length; i++) {
                nodes[i] = launch(names[i], settings);
            }
            for (DevServerProcess node : nodes) {
                node.awaitListening();
            }
            return nodes;
        } catch (IOException | RuntimeException e) {
            closeAll(nodes);
            throw e;
        }
    }

    /** Starts a node's process without waiting for it to listen: {@link #awaitListening()} does. */
    public static DevServerProcess launch(String name, Map<String, String> settings) throws IOException {
        return new DevServerProcess(name, settings);
    }

    /** Returns this node once it listens; stops it and throws if it ends or takes a minute. */
    public DevServerProcess awaitListening() {
        if (!Await.until(Duration.ofSeconds(60), () -> port > 0 || !process.isAlive())) {
            close();
            throw new IllegalStateException("node " + name + " did not start:\n" + output());
        }
        if (port < 0) {
            throw new IllegalStateException("node " + name + " ended:\n" + output());
        }
        return this;
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                output.add(line);
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
        } catch (IOException e) {
            output.add("(output ended: " + e + ")");
        }
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** Lines of output that contain {@code text}. */
    public long lines(String text) {
        return output.stream().filter(l -> l.contains(text)).count();
    }

    /** Everything the node printed so far. */
    public String output() {
        return "--- node " + name + " ---\n" + String.join("\n", output);
    }

    /** Kills the node as {@code kill -9} would: no stop sequence runs, nothing is written to Redis. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** Stops the node as Ctrl+C would, and waits for its end. */
    @Override
    public void close() {
        closeAll(this);
    }

    /**
     * Stops the nodes (nulls skipped) as Ctrl+C on each would, side by side, and waits for their ends: each node's
     * stop sequence then runs while the others' run.
     */
    public static void closeAll(DevServerProcess... nodes) {
        for (DevServerProcess node : nodes) {
            if (node != null) {
                node.process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close the output kept here
            }
        }
        for (DevServerProcess node : nodes) {
            if (node != null) {
                node.awaitEnd();
            }
        }
    }

    private void awaitEnd() {
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
