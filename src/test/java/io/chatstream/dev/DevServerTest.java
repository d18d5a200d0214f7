package io.chatstream.dev;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a newcomer sees from the README's run command: the dev server's JVM, started as {@code exec:exec} starts it,
 * prints its URL and nothing alarming, and a SIGTERM (what Maven and init systems send; Ctrl+C runs the same hook)
 * stops it with one line.
 */
class DevServerTest {

    private static final Pattern URL = Pattern.compile("Chat dev server on (http://localhost:(\\d+)/) .*");

    @Test
    void printsItsUrlWithoutWarningsAndStopsWithOneLine() throws Exception {
        // the default embedded conversation store, as a newcomer gets it, in a folder of the test's own
        Path store = Files.createTempDirectory("chat-dev-store");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dchat.server.port=0", "-Dchat.store.dir=" + store, "-cp", System.getProperty("java.class.path"), DevServer.class.getName(),
                Path.of("").toAbsolutePath().toString())
                .redirectErrorStream(true)
                .start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> readLines(process, lines), "dev-server-output");
        reader.start();
        List<String> output = new ArrayList<>();
        try {
            String url = null;
            while (url == null) {
                String line = lines.poll(60, TimeUnit.SECONDS);
                assertNotNull(line, "no URL within 60 s; the output so far: " + output);
                output.add(line);
                Matcher m = URL.matcher(line);
                if (m.matches()) {
                    url = m.group(1);
                }
            }
            HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode(), "the chat page (its JSP compiled, JSTL's TLDs read)");
            int urlLine = output.size() - 1;

            // SIGTERM; Process.destroy() would also close the output this test reads
            process.toHandle().destroy();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "still running 30 s after SIGTERM");
            reader.join(TimeUnit.SECONDS.toMillis(10));
            lines.drainTo(output);

            assertEquals(List.of("INFO: Chat server stopped"), output.subList(urlLine + 1, output.size()),
                    "after the URL: one line on stop; the whole output: " + output);
            for (String line : output) {
                assertTrue(!line.contains("WARN") && !line.contains("ERROR") && !line.contains("Exception"),
                        "nothing alarming, but: " + line + "; the whole output: " + output);
            }
            assertTrue(output.size() <= 4, "the URL and little else: " + output);
        } finally {
            process.destroyForcibly();
        }
    }

    /** The run command's exec plugin: a stop by Ctrl+C (130) or SIGTERM (143) is no build error. */
    @Test
    void theRunCommandTakesCtrlCAndSigtermForAStop() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        NodeList plugins = pom.getElementsByTagName("plugin");
        List<String> codes = new ArrayList<>();
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if (text(plugin, "artifactId").equals("exec-maven-plugin")) {
                NodeList successCodes = plugin.getElementsByTagName("successCode");
                for (int j = 0; j < successCodes.getLength(); j++) {
                    codes.add(successCodes.item(j).getTextContent().trim());
                }
            }
        }
        assertEquals(List.of("0", "130", "143"), codes);
        assertTrue(Files.readString(Path.of("README.md")).contains("\n```sh\nmvn -q compile exec:exec\n```\n"),
                "the README's run command, in a code block of its own");
    }

    private static String text(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent().trim();
    }

    private static void readLines(Process process, BlockingQueue<String> lines) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                lines.add(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
