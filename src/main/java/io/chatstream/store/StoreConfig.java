package io.chatstream.store;

import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code chat.store.*} settings, validated at start-up ({@code SPEC.md} section 6).
 *
 * @param url        {@code embedded}, a JDBC URL, or null when conversations are off
 * @param datasource a JNDI name, used instead of {@code url}; or null
 * @param dir        where the embedded database lives ({@code url} is {@code embedded}), else null
 * @param poolSize   connections, and the store's threads
 * @param checkpoint how often a running reply's text is saved
 */
public record StoreConfig(String url, String datasource, String user, String password, Path dir, int poolSize,
                          Duration checkpoint) {

    /** The settings this reads. */
    public static final String URL = "chat.store.url";
    public static final String DATASOURCE = "chat.store.datasource";
    public static final String DIR = "chat.store.dir";

    /** True when {@code chat.store.url} is {@code off}: every {@code /api/conversations} path is a 404. */
    public boolean off() {
        return url == null && datasource == null;
    }

    public boolean embedded() {
        return "embedded".equals(url) && datasource == null;
    }

    /** {@code user=...}: the password is never shown. */
    @Override
    public String toString() {
        return "StoreConfig[" + (datasource != null ? "datasource=" + datasource : "url=" + url)
                + (dir != null ? ", dir=" + dir : "") + ", user=" + user + ", password=" + (password == null
                ? "none" : "(hidden)") + ", poolSize=" + poolSize + ", checkpoint=" + checkpoint + "]";
    }

    /** As {@link #load(Settings, String)} for the webapp at the root context. */
    public static StoreConfig load(Settings s) {
        return load(s, "");
    }

    /**
     * Reads and checks the settings. With the embedded database, {@code chat.store.dir} is created if missing and
     * must be a writable directory.
     *
     * @param contextPath the webapp's ({@code ""} or {@code /chat}): it names the default directory, so webapps
     *                    side by side in one container never share a database file
     * @throws ConfigException a setting is bad; its message names it
     */
    public static StoreConfig load(Settings s, String contextPath) {
        String datasource = s.string(DATASOURCE, "");
        String url = s.string(URL, "embedded");
        int poolSize = s.integer("chat.store.pool-size", 4, 1, 256);
        Duration checkpoint = Duration.ofSeconds(s.integer("chat.store.checkpoint-seconds", 5, 1, 300));
        String user = s.raw("chat.store.user");
        String password = s.raw("chat.store.password");
        if (!datasource.isEmpty()) {
            if (!datasource.matches("[A-Za-z][A-Za-z0-9:/._-]*")) {
                throw s.invalid(DATASOURCE, "a JNDI name such as java:comp/env/jdbc/chat");
            }
            return new StoreConfig(null, datasource, null, null, null, poolSize, checkpoint);
        }
        if (url.equals("off")) {
            return new StoreConfig(null, null, null, null, null, poolSize, checkpoint);
        }
        if (url.equals("embedded")) {
            if (!s.string("chat.cluster.redis-url", "").isEmpty()) {
                throw s.invalid(URL, "a JDBC URL all nodes share (jdbc:postgresql://...) when chat.cluster.redis-url"
                        + " is set: the embedded database belongs to one node");
            }
            return new StoreConfig(url, null, null, null, writableDir(s, contextPath), poolSize, checkpoint);
        }
        if (!url.startsWith("jdbc:") || url.length() < 8) {
            throw s.invalid(URL, "embedded, off, or a JDBC URL such as jdbc:postgresql://host:5432/chat");
        }
        return new StoreConfig(url, null, user, password, null, poolSize, checkpoint);
    }

    /**
     * The default home of the embedded database, one directory per webapp, named as Tomcat names its webapps
     * ({@code chat} for {@code /chat}, {@code ROOT} for the root, {@code a#b} for {@code /a/b}): under
     * {@code ${catalina.base}/data} in Tomcat, {@code ${jetty.base}/data} in standalone Jetty (never the container's
     * {@code work/} or {@code temp/}, which a redeploy may wipe), else under {@code ~/.chatstream}.
     */
    public static Path defaultDir(String contextPath) {
        String name = contextPath == null || contextPath.isEmpty() || contextPath.equals("/") ? "ROOT"
                : contextPath.substring(1).replace('/', '#');
        for (String base : new String[] {"catalina.base", "jetty.base"}) {
            String dir = System.getProperty(base);
            if (dir != null && !dir.isBlank()) {
                return Path.of(dir, "data", name);
            }
        }
        return Path.of(System.getProperty("user.home"), ".chatstream", name);
    }

    private static Path writableDir(Settings s, String contextPath) {
        String raw = s.string(DIR, "");
        Path dir;
        try {
            dir = (raw.isEmpty() ? defaultDir(contextPath) : Path.of(raw)).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw s.invalid(DIR, "a directory path");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException | SecurityException e) {
            throw problem(s, raw, dir, "it cannot be created (" + e.getMessage() + ")");
        }
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw problem(s, raw, dir, "it is not a writable directory");
        }
        return dir;
    }

    private static ConfigException problem(Settings s, String raw, Path dir, String why) {
        if (raw.isEmpty()) {
            return new ConfigException("Invalid setting " + DIR + " (default " + dir + "): " + why
                    + "; set chat.store.dir to a writable directory that survives restarts, or chat.store.url=off");
        }
        return s.invalid(DIR, "a writable directory that survives restarts, but " + why);
    }
}
