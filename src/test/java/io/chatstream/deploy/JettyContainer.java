package io.chatstream.deploy;

import io.chatstream.testing.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A standalone Jetty 12 from {@code jetty-home}, with a {@code jetty.base} of its own made by
 * {@code start.jar --add-modules=http,ee10-deploy,ee10-annotations,ee10-jsp,graceful} (JSTL comes from the WAR itself),
 * {@code webapps/chat.war} and context XML files in {@code webapps/}; {@code jetty.http.host}/{@code port} on the
 * command line, its idle and async timeouts at {@link #TIMEOUT}, and the deployment scanner on (every second), so
 * touching or removing a context file redeploys or undeploys its webapp.
 */
final class JettyContainer extends Container {

    static final String MODULES = "http,ee10-deploy,ee10-annotations,ee10-jsp,graceful";

    private final Path home;

    private JettyContainer(String name, Path home) throws IOException {
        super(name);
        this.home = home;
    }

    static JettyContainer start(String name, Path home, Map<String, String> modelParameters) throws Exception {
        JettyContainer jetty = new JettyContainer(name, home);
        try {
            jetty.install(modelParameters);
            List<String> command = new ArrayList<>(List.of(java(), "-Xmx768m", "-Xss512k"));
            command.addAll(ChildJvm.FLAGS);
            command.addAll(List.of("-Djava.io.tmpdir=" + jetty.base.resolve("tmp"),
                    // the servlet async timeout, lowered to TIMEOUT (see there): the webapp's to override
                    "-Dorg.eclipse.jetty.ee10.servlet.ServletChannelState.DEFAULT_TIMEOUT=" + TIMEOUT.toMillis()));
            SYSTEM_PROPERTIES.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.addAll(List.of("-jar", home.resolve("start.jar").toString(),
                    "jetty.http.host=127.0.0.1", "jetty.http.port=" + jetty.port, "jetty.deploy.scanInterval=1",
                    "jetty.http.idleTimeout=" + TIMEOUT.toMillis(),
                    // as docs/security.md says: no Server header, no "Powered by Jetty://" on Jetty's error pages
                    "jetty.httpConfig.sendServerVersion=false"));
            jetty.launch(command, jetty.base, ENVIRONMENT);
            jetty.awaitStarted();
            return jetty;
        } catch (Exception | Error e) {
            jetty.close();
            throw e;
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private void install(Map<String, String> modelParameters) throws IOException, InterruptedException {
        Files.createDirectories(base.resolve("tmp"));
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(ChildJvm.FLAGS);
        command.addAll(List.of("-jar", home.resolve("start.jar").toString(), "--add-modules=" + MODULES));
        Process p = new ProcessBuilder(command)
                .directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(base.resolve("add-modules.log").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("start.jar --add-modules failed:\n"
                    + Files.readString(base.resolve("add-modules.log")));
        }
        // as docs/deployment.md shows it: the WAR in webapps/, a context file next to it naming it
        copy(war(), base.resolve("webapps/chat.war"));
        contextFile(CHAT, "<Property name=\"jetty.webapps\"/>/chat.war", CHAT_PARAMETERS);
        Path slowWar = base.resolve("apps/slow.war");
        copy(war(), slowWar);
        contextFile(SLOW, xmlEscape(slowWar.toString()), SLOW_PARAMETERS);
        Path modelWar = base.resolve("apps/model.war");
        copy(war(), modelWar);
        contextFile(MODEL, xmlEscape(modelWar.toString()), modelParameters);
    }

    /** {@code webapps/<context>.xml}: a WebAppContext for the WAR with an init-parameter per setting. */
    private void contextFile(String context, String warXml, Map<String, String> parameters) throws IOException {
        String params = parameters.entrySet().stream()
                .map(e -> "  <Call name=\"setInitParameter\"><Arg>" + xmlEscape(e.getKey()) + "</Arg><Arg>"
                        + xmlEscape(e.getValue()) + "</Arg></Call>\n")
                .collect(Collectors.joining());
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
                <Configure class="org.eclipse.jetty.ee10.webapp.WebAppContext">
                  <Set name="contextPath">/%s</Set>
                  <Set name="war">%s</Set>
                %s</Configure>
                """.formatted(context, warXml, params);
        Files.writeString(descriptor(context), xml, StandardCharsets.UTF_8);
    }

    private Path descriptor(String context) {
        return base.resolve("webapps/" + context + ".xml");
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
        return true;
    }

    @Override
    boolean swallowsRefusedBodies() {
        return false;
    }

    @Override
    List<Path> logFiles() {
        return List.of(consoleLog());
    }
}
