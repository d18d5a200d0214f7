package io.chatstream.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No Docker engine runs where these tests run, so the image cannot be built here; this checks what can be
 * checked after {@code mvn package}: every path {@code docker/Dockerfile} copies exists (from the build context,
 * which is the project root, and from the build stage, whose {@code WORKDIR} holds the project), and is not left out
 * of the context by {@code Dockerfile.dockerignore}; the image installs {@code webapps/chat.war}, runs as a non-root
 * user and has a health check; the compose file builds this Dockerfile.
 */
class DockerfileIT {

    private static final Path PROJECT = Path.of(System.getProperty("it.project", "."));
    private static final Path DOCKER = PROJECT.resolve("docker");

    /** One instruction, continuation lines joined. */
    record Instruction(int line, String keyword, String args) {
    }

    @Test
    void everyPathTheDockerfileCopiesExistsAfterPackage() throws IOException {
        List<Instruction> instructions = parse(DOCKER.resolve("Dockerfile"));
        Map<String, String> stageWorkdir = new HashMap<>();
        String stage = null;
        int copies = 0;
        for (Instruction in : instructions) {
            switch (in.keyword()) {
                case "FROM" -> {
                    Matcher m = Pattern.compile("(?i)\\S+\\s+AS\\s+(\\S+)").matcher(in.args());
                    stage = m.matches() ? m.group(1) : null;
                }
                case "WORKDIR" -> {
                    if (stage != null) {
                        stageWorkdir.put(stage, in.args().trim());
                    }
                }
                case "COPY", "ADD" -> {
                    copies++;
                    List<String> words = new ArrayList<>(List.of(in.args().trim().split("\\s+")));
                    String from = null;
                    while (words.get(0).startsWith("--")) {
                        String flag = words.remove(0);
                        if (flag.startsWith("--from=")) {
                            from = flag.substring(7);
                        }
                    }
                    assertTrue(words.size() >= 2, "line " + in.line() + ": " + in.args());
                    for (String source : words.subList(0, words.size() - 1)) {
                        Path local = from == null ? contextPath(source) : stagePath(stageWorkdir, from, source);
                        assertTrue(Files.exists(local), "line " + in.line() + ": " + source + " -> " + local
                                + " does not exist after mvn package");
                        if (from == null) {
                            assertTrue(sentInContext(source), "line " + in.line() + ": " + source
                                    + " is left out of the build context by Dockerfile.dockerignore");
                        }
                    }
                }
                default -> {
                    // nothing to check
                }
            }
        }
        assertTrue(copies >= 3, "the Dockerfile copies the project in and the WAR out");
    }

    @Test
    void theImageRunsTheWarAsANonRootUserWithAHealthCheck() throws IOException {
        List<Instruction> instructions = parse(DOCKER.resolve("Dockerfile"));
        List<String> froms = instructions.stream().filter(i -> i.keyword().equals("FROM")).map(Instruction::args)
                .toList();
        assertEquals(2, froms.size(), "a build stage and a run stage");
        assertTrue(froms.get(0).startsWith("maven:3.9-eclipse-temurin-17 "), froms.get(0));
        assertTrue(froms.get(1).startsWith("tomcat:10.1-jre17-temurin"), froms.get(1));
        assertTrue(instructions.stream().anyMatch(i -> i.keyword().equals("RUN")
                && i.args().matches("mvn .*-DskipTests package.*")), "the build stage packages the WAR");
        assertTrue(instructions.stream().anyMatch(i -> i.keyword().equals("COPY")
                && i.args().endsWith(" /usr/local/tomcat/webapps/chat.war")), "installed as webapps/chat.war");
        Instruction user = instructions.stream().filter(i -> i.keyword().equals("USER")).reduce((a, b) -> b)
                .orElse(null);
        assertNotNull(user, "a USER instruction");
        String who = user.args().trim().split(":")[0];
        assertFalse(who.equals("root") || who.equals("0"), "runs as " + who);
        Instruction health = instructions.stream().filter(i -> i.keyword().equals("HEALTHCHECK")).findFirst()
                .orElse(null);
        assertNotNull(health, "a HEALTHCHECK");
        assertTrue(Files.readString(DOCKER.resolve("healthcheck.sh")).contains("/chat/api/health"));
    }

    @Test
    void composeBuildsThisDockerfileAndWiresOllama() throws IOException {
        String compose = Files.readString(DOCKER.resolve("compose.yaml"), StandardCharsets.UTF_8);
        Matcher context = Pattern.compile("(?m)^\\s+context:\\s*(\\S+)\\s*$").matcher(compose);
        Matcher dockerfile = Pattern.compile("(?m)^\\s+dockerfile:\\s*(\\S+)\\s*$").matcher(compose);
        assertTrue(context.find() && dockerfile.find(), compose);
        Path root = DOCKER.resolve(context.group(1)).normalize();
        assertEquals(PROJECT.toAbsolutePath().normalize(), root.toAbsolutePath().normalize());
        assertTrue(Files.isRegularFile(root.resolve(dockerfile.group(1))));
        assertTrue(compose.contains("CHAT_OLLAMA_BASE_URL: http://ollama:11434"), "the app reaches the ollama service");
        assertTrue(Pattern.compile("(?m)^  ollama:\\n(?:    .*\\n)*?    profiles: \\[\"ollama\"]").matcher(compose).find(),
                "ollama is optional (a profile)");
    }

    private static Path contextPath(String source) {
        return PROJECT.resolve(source);
    }

    /** A path of the build stage: its WORKDIR holds the project, as the stage copied it in. */
    private static Path stagePath(Map<String, String> workdirs, String stage, String source) {
        String workdir = workdirs.get(stage);
        assertNotNull(workdir, "no WORKDIR for stage " + stage);
        String prefix = workdir.endsWith("/") ? workdir : workdir + "/";
        assertTrue(source.startsWith(prefix), source + " is outside the project in stage " + stage);
        return PROJECT.resolve(source.substring(prefix.length()));
    }

    /** {@code Dockerfile.dockerignore} excludes everything ({@code *}) and lets listed paths back in ({@code !p}). */
    private static boolean sentInContext(String source) throws IOException {
        List<String> lines = Files.readAllLines(DOCKER.resolve("Dockerfile.dockerignore")).stream()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertEquals("*", lines.get(0), "the ignore file starts from nothing");
        String s = source.replaceAll("^\\./", "").replaceAll("/$", "");
        for (String l : lines.subList(1, lines.size())) {
            assertTrue(l.startsWith("!"), "only exceptions after *: " + l);
            String allowed = l.substring(1).replaceAll("/$", "");
            if (s.equals(allowed) || s.startsWith(allowed + "/")) {
                return true;
            }
        }
        return false;
    }

    static List<Instruction> parse(Path dockerfile) throws IOException {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int start = 0;
        List<String> lines = Files.readAllLines(dockerfile, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (current.isEmpty() && (line.isBlank() || line.trim().startsWith("#"))) {
                continue;
            }
            if (!current.isEmpty() && line.trim().startsWith("#")) {
                continue; // a comment inside a continued instruction
            }
            if (current.isEmpty()) {
                start = i + 1;
            }
            boolean continued = line.endsWith("\\");
            current.append(continued ? line.substring(0, line.length() - 1) : line).append(' ');
            if (!continued) {
                String text = current.toString().trim();
                int space = text.indexOf(' ');
                out.add(new Instruction(start, text.substring(0, space).toUpperCase(), text.substring(space + 1)));
                current.setLength(0);
            }
        }
        return out;
    }
}
