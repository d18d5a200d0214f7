package io.chatstream.deploy;

import io.chatstream.testing.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Tomcat from its distribution archive, run as {@code catalina.sh run} with a {@code CATALINA_BASE} of its own:
 * the distribution's {@code conf/}, with {@code server.xml} edited to listen on 127.0.0.1 at a free port (shutdown
 * port off; the process is stopped by SIGTERM), with the connector's timeouts at {@link #TIMEOUT}, and to look for
 * redeploys every second instead of every ten;
 * {@code webapps/chat.war}; context files in {@code conf/Catalina/localhost/}.
 */
final class TomcatContainer extends Container {

    /**
     * Tomcat logs the first malformed request head of a day at INFO with the parser's stack trace (an oversized
     * header, a NUL in the path): any client can write it. Its warnings and errors still go to the log.
     */
    static final String QUIET_PARSE_ERRORS = "org.apache.coyote.http11.Http11Processor.level = WARNING";

    private final Path home;
    private final boolean answersBrokenChunks;
    /** More JVM system properties of this container's process: a cluster node's settings. */
    private final Map<String, String> nodeProperties = new java.util.TreeMap<>();

    private TomcatContainer(String name, Path home, boolean answersBrokenChunks) throws IOException {
        super(name);
        this.home = home;
        this.answersBrokenChunks = answersBrokenChunks;
    }

    /**
     * Installs chat.war into a fresh base of the Tomcat unpacked at {@code home}, starts it, waits for both webapps.
     *
     * @param answersBrokenChunks see {@link #webappAnswersBrokenChunks()}: Tomcat 11 delivers the webapp's answer,
     *                            Tomcat 10.1 does not
     */
    static TomcatContainer start(String name, Path home, boolean answersBrokenChunks,
                                 Map<String, String> modelParameters) throws Exception {
        TomcatContainer tomcat = new TomcatContainer(name, home, answersBrokenChunks);
        try {
            tomcat.install(modelParameters);
            tomcat.launch(List.of("sh", home.resolve("bin/catalina.sh").toString(), "run"), tomcat.base,
                    tomcat.environment());
            tomcat.awaitStarted();
            return tomcat;
        } catch (Exception | Error e) {
            tomcat.close();
            throw e;
        }
    }

    /**
     * Tomcat with {@code /chat} alone, whose conversations are kept in the container's pool: the
     * {@code javax.sql.DataSource} {@code jdbc/chat} that its context file declares (Tomcat's own DBCP pool) and
     * {@code chat.store.datasource} names, with {@code driverJar} in the base's {@code lib/}, as
     * docs/conversations.md tells an operator to do.
     */
    static TomcatContainer startWithDataSource(String name, Path home, Path driverJar, String driverClass,
                                               String jdbcUrl, Map<String, String> parameters) throws Exception {
        TomcatContainer tomcat = new TomcatContainer(name, home, true);
        try {
            tomcat.installBase();
            copy(driverJar, tomcat.base.resolve("lib").resolve(driverJar.getFileName()));
            copy(war(), tomcat.base.resolve("webapps/chat.war"));
            Map<String, String> all = new java.util.TreeMap<>(parameters);
            all.put("chat.store.datasource", "java:comp/env/jdbc/chat");
            tomcat.contextFile(CHAT, null, all, "  <Resource name=\"jdbc/chat\" auth=\"Container\""
                    + " type=\"javax.sql.DataSource\" driverClassName=\"" + xmlEscape(driverClass) + "\" url=\""
                    + xmlEscape(jdbcUrl) + "\" username=\"sa\" password=\"\" maxTotal=\"8\" maxIdle=\"4\""
                    + " maxWaitMillis=\"5000\"/>\n");
            tomcat.launch(List.of("sh", home.resolve("bin/catalina.sh").toString(), "run"), tomcat.base,
                    tomcat.environment());
            tomcat.awaitStarted(List.of(CHAT));
            return tomcat;
        } catch (Exception | Error e) {
            tomcat.close();
            throw e;
        }
    }

    /**
     * A cluster node: Tomcat with {@code webapps/chat.war} alone, its settings as JVM system properties (as an
     * operator puts them in {@code bin/setenv.sh}, so every version of the WAR gets them), and the host's
     * {@code undeployOldVersions} on: a WAR dropped in as {@code chat##<version>.war} takes new requests at once
     * and the older version is undeployed once the new one runs (Tomcat's parallel deployment, see
     * {@link #deployVersion}).
     */
    static TomcatContainer startNode(String name, Path home, Map<String, String> settings) throws Exception {
        TomcatContainer tomcat = new TomcatContainer(name, home, true);
        try {
            tomcat.nodeProperties.putAll(settings);
            tomcat.installBase();
            Path serverXml = tomcat.base.resolve("conf/server.xml");
            Files.writeString(serverXml, replaceOnce(Files.readString(serverXml, StandardCharsets.UTF_8),
                    "unpackWARs=\"true\" autoDeploy=\"true\">",
                    "unpackWARs=\"true\" autoDeploy=\"true\" undeployOldVersions=\"true\">"), StandardCharsets.UTF_8);
            copy(war(), tomcat.base.resolve("webapps/chat.war"));
            tomcat.launch(List.of("sh", home.resolve("bin/catalina.sh").toString(), "run"), tomcat.base,
                    tomcat.environment());
            tomcat.awaitStarted(List.of(CHAT));
            return tomcat;
        } catch (Exception | Error e) {
            tomcat.close();
            throw e;
        }
    }

    /**
     * Drops {@code chat.war} into the node's {@code webapps/} as {@code <context>##<version>.war}: a new version of
     * the webapp, which Tomcat starts beside the running one, sends new requests to once it runs, then undeploys the
     * older one (see {@link #startNode}). Returns at once. The WAR is written beside and moved in, so the deployer
     * never sees half of it.
     */
    void deployVersion(String context, String version) throws IOException {
        Path staged = base.resolve("temp/" + context + "##" + version + ".war");
        copy(war(), staged);
        Files.move(staged, base.resolve("webapps/" + context + "##" + version + ".war"),
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Undeploys every version of a node's webapp by removing its WARs from {@code webapps/}; returns at once. */
    void undeployAll(String context) throws IOException {
        try (Stream<Path> wars = Files.list(base.resolve("webapps"))) {
            for (Path war : wars.filter(p -> p.getFileName().toString().equals(context + ".war")
                    || p.getFileName().toString().startsWith(context + "##")
                    && p.getFileName().toString().endsWith(".war")).toList()) {
                Files.delete(war);
            }
        }
    }

    private void install(Map<String, String> modelParameters) throws IOException {
        installBase();
        copy(war(), base.resolve("webapps/chat.war"));
        contextFile(CHAT, null, CHAT_PARAMETERS, "");
        // the slow webapp: the same WAR from outside the appBase, as a context file with a docBase
        Path slowWar = base.resolve("apps/slow.war");
        copy(war(), slowWar);
        contextFile(SLOW, slowWar, SLOW_PARAMETERS, "");
        Path modelWar = base.resolve("apps/model.war");
        copy(war(), modelWar);
        contextFile(MODEL, modelWar, modelParameters, "");
    }

    /** The base's {@code conf/} (server.xml edited as the class says) and empty directories; no webapp yet. */
    private void installBase() throws IOException {
        try (Stream<Path> files = Files.list(home.resolve("conf"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                copy(f, base.resolve("conf").resolve(f.getFileName()));
            }
        }
        for (String dir : List.of("logs", "temp", "work", "webapps", "lib")) {
            Files.createDirectories(base.resolve(dir));
        }
        Path serverXml = base.resolve("conf/server.xml");
        String xml = Files.readString(serverXml, StandardCharsets.UTF_8);
        xml = replaceOnce(xml, "<Server port=\"8005\"", "<Server port=\"-1\"");
        xml = replaceOnce(xml, "<Connector port=\"8080\"", "<Connector address=\"127.0.0.1\" port=\"" + port + "\"");
        // the connector's timeouts lowered to Container.TIMEOUT (see there); the async one is the webapp's to override
        String timeouts = "connectionTimeout=\"" + TIMEOUT.toMillis() + "\" asyncTimeout=\"" + TIMEOUT.toMillis() + "\"";
        Matcher connector = Pattern.compile("(<Connector address=\"127\\.0\\.0\\.1\"[^>]*?)connectionTimeout=\"20000\"")
                .matcher(xml);
        if (!connector.find()) {
            throw new IllegalStateException("server.xml's connector should have connectionTimeout=\"20000\"");
        }
        xml = xml.substring(0, connector.start()) + connector.group(1) + timeouts + xml.substring(connector.end());
        xml = replaceOnce(xml, "<Engine name=\"Catalina\" defaultHost=\"localhost\">",
                "<Engine name=\"Catalina\" defaultHost=\"localhost\" backgroundProcessorDelay=\"1\">");
        // as docs/security.md says: Tomcat's own error pages (a request it refuses before any webapp) name neither
        // Tomcat nor its version, and show no exception
        xml = replaceOnce(xml, "</Host>", "  <Valve className=\"org.apache.catalina.valves.ErrorReportValve\""
                + " showReport=\"false\" showServerInfo=\"false\"/>\n      </Host>");
        Files.writeString(serverXml, xml, StandardCharsets.UTF_8);
        // as docs/security.md says: a malformed request head is logged without its stack trace
        Files.writeString(base.resolve("conf/logging.properties"), "\n" + QUIET_PARSE_ERRORS + "\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    }

    /**
     * {@code conf/Catalina/localhost/<context>.xml} with a {@code <Parameter>} per setting.
     *
     * @param resources more elements of the {@code <Context>} (e.g. a {@code <Resource>}), or empty
     */
    private void contextFile(String context, Path docBase, Map<String, String> parameters, String resources)
            throws IOException {
        String params = parameters.entrySet().stream()
                .map(e -> "  <Parameter name=\"" + xmlEscape(e.getKey()) + "\" value=\"" + xmlEscape(e.getValue())
                        + "\" override=\"false\"/>\n")
                .collect(Collectors.joining());
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Context"
                + (docBase == null ? "" : " docBase=\"" + xmlEscape(docBase.toString()) + "\"") + ">\n" + resources
                + params + "</Context>\n";
        Path file = descriptor(context);
        Files.createDirectories(file.getParent());
        Files.writeString(file, xml, StandardCharsets.UTF_8);
    }

    private Path descriptor(String context) {
        return base.resolve("conf/Catalina/localhost/" + context + ".xml");
    }

    private Map<String, String> environment() {
        Map<String, String> env = new HashMap<>(ENVIRONMENT);
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("CATALINA_HOME", home.toString());
        env.put("CATALINA_BASE", base.toString());
        Map<String, String> properties = new java.util.TreeMap<>(SYSTEM_PROPERTIES);
        properties.putAll(nodeProperties);
        env.put("CATALINA_OPTS", properties.entrySet().stream()
                .map(e -> "-D" + e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "))
                + " -Xmx768m -Xss512k " + String.join(" ", ChildJvm.FLAGS));
        return env;
    }

    @Override
    void redeploy(String context) throws IOException {
        touch(descriptor(context));
    }

    @Override
    void undeploy(String context) throws IOException {
        Files.delete(descriptor(context));
    }

    @Override
    boolean webappAnswersBrokenChunks() {
        return answersBrokenChunks;
    }

    @Override
    boolean swallowsRefusedBodies() {
        return true;
    }

    @Override
    List<Path> logFiles() throws IOException {
        try (Stream<Path> files = Files.list(base.resolve("logs"))) {
            // the access log lists requests, not events
            return Stream.concat(Stream.of(consoleLog()),
                    files.filter(p -> !p.getFileName().toString().contains("access_log")).sorted()).toList();
        }
    }

    private static String replaceOnce(String text, String from, String to) {
        int i = text.indexOf(from);
        if (i < 0 || text.indexOf(from, i + 1) >= 0) {
            throw new IllegalStateException("server.xml should hold " + from + " exactly once");
        }
        return text.replace(from, to);
    }
}
