package io.chatstream.deploy;

import io.chatstream.testing.Await;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.backend.testing.Transcripts;
import io.chatstream.bench.LoadClient;
import io.chatstream.deploy.SseConnection.Timed;
import io.chatstream.metrics.MetricSamples;
import io.chatstream.testing.RawHttp;
import io.chatstream.testing.SseParser.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What must hold for {@code chat.war} dropped into a real container, checked over real HTTP. One container per
 * concrete class, started once; the classes run side by side (see the failsafe configuration), so their long
 * replies overlap. The long reply starts first and is checked late; the redeploy and undeploy of the slow webapp
 * come last, as they stop it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ContainerContract {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long RETRY = Long.parseLong(Container.SYSTEM_PROPERTIES.get("chat.sse.retry-millis"));
    private static final int KEEP_ALIVE = Integer.parseInt(Container.SYSTEM_PROPERTIES.get("chat.sse.keepalive-seconds"));
    private static final int REPLY_TOKENS = Integer.parseInt(Container.CHAT_PARAMETERS.get("chat.demo.reply-tokens"));
    private static final Pattern LINK = Pattern.compile("(?:src|href)\\s*=\\s*[\"']([^\"'#?]+)[\"']");
    /** What a container logs when a webapp leaves threads, ThreadLocals or worse behind, or anything fails. */
    private static final Pattern BAD_LOG = Pattern.compile(
            "memory leak|failed to stop it|ThreadLocal|SEVERE|ERROR|Exception|^\\s+at [\\w.$]+\\(|^Caused by:"
                    + "|WARNING.*io\\.chatstream|WARN.*io\\.chatstream");

    private Container container;
    private FakeUpstream upstream;
    private final Semaphore upstreamClosed = new Semaphore(0);
    private HttpClient http;
    private SseConnection longReply;
    private long longReplyStarted;

    /** Starts the container with chat.war installed; every webapp answers when this returns. */
    protected abstract Container startContainer(Map<String, String> modelParameters) throws Exception;

    @BeforeAll
    void start() throws Exception {
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .build();
        upstream = FakeUpstream.start(this::serveModel);
        container = startContainer(Container.modelParameters(upstream.url("/v1")));
        longReplyStarted = System.nanoTime();
        longReply = SseConnection.open(http, sse("/slow/api/chat?prompt=" + encode("a long one")).build());
    }

    @AfterAll
    void stop() throws Exception {
        if (longReply != null) {
            longReply.close();
        }
        if (container != null) {
            container.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    /**
     * The fake model server of {@code /model}: DeepSeek's reasoner transcript, whole; for a prompt saying "hold",
     * its first half, then nothing until the client closes the connection (noted in {@link #upstreamClosed}).
     */
    private void serveModel(FakeUpstream.Exchange ex) throws Exception {
        byte[] body = Transcripts.DEEPSEEK_REASONER.bytes();
        if (!ex.request().body().contains("hold")) {
            ex.respond(200, "text/event-stream").write(body).end();
            return;
        }
        String text = Transcripts.DEEPSEEK_REASONER.body();
        ex.respond(200, "text/event-stream").write(text.substring(0, text.indexOf("data: ", text.indexOf("9.8 "))));
        if (ex.awaitClientClose(Duration.ofSeconds(60))) {
            upstreamClosed.release();
        }
    }

    /** The page, and every script, style sheet and icon it links to on this server, under {@code /chat/}. */
    @Test
    @Order(1)
    void pageAndItsAssetsLoadUnderTheContextPath() throws Exception {
        HttpResponse<String> page = http.send(get("/chat/").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("<html"), page.body());
        URI pageUri = container.uri("/chat/");
        Matcher m = LINK.matcher(page.body());
        while (m.find()) {
            URI asset = pageUri.resolve(m.group(1));
            if (asset.getHost() != null && asset.getPort() == pageUri.getPort() && !asset.getPath().contains("/api/")) {
                assertTrue(asset.getPath().startsWith("/chat/"), "an asset outside the context path: " + asset);
                assertEquals(200, Container.status(http, asset), asset.toString());
            }
        }
    }

    @Test
    @Order(2)
    void webJarsOfTheWarAreServedUnderTheContextPath() throws Exception {
        Map<String, byte[]> scripts = webJarScripts();
        assertTrue(scripts.keySet().stream().anyMatch(p -> p.startsWith("marked/")), scripts.keySet().toString());
        assertTrue(scripts.keySet().stream().anyMatch(p -> p.startsWith("dompurify/")), scripts.keySet().toString());
        assertTrue(scripts.keySet().stream().anyMatch(p -> p.startsWith("highlightjs/")), scripts.keySet().toString());
        for (Map.Entry<String, byte[]> e : scripts.entrySet()) {
            HttpResponse<byte[]> r = http.send(get("/chat/webjars/" + e.getKey()).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode(), e.getKey());
            assertArrayEquals(e.getValue(), r.body(), e.getKey());
        }
    }

    @Test
    @Order(3)
    void aReplyStreamsEndToEnd() throws Exception {
        SseConnection c = SseConnection.open(http, post("/chat/api/chat", "{\"message\":\"Hello, container\"}"));
        assertEquals(200, c.status());
        assertEquals("text/event-stream;charset=utf-8", c.headers().firstValue("Content-Type").orElseThrow()
                .toLowerCase().replace(" ", ""));
        assertEquals("no-cache, no-transform", c.headers().firstValue("Cache-Control").orElseThrow());
        assertEquals("no", c.headers().firstValue("X-Accel-Buffering").orElseThrow());
        String streamId = c.headers().firstValue("X-Stream-Id").orElseThrow();
        List<JsonNode> events = events(c.awaitEnd(WAIT), streamId, 1);
        assertEquals("start", events.get(0).get("type").asText());
        assertEquals(streamId, events.get(0).get("stream_id").asText());
        JsonNode end = events.get(events.size() - 1);
        assertEquals("end", end.get("type").asText());
        assertEquals("stop", end.get("finish_reason").asText());
        assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("reasoning")));
    }

    @Test
    @Order(4)
    void aContextParameterReachesTheApp() throws Exception {
        SseConnection c = SseConnection.open(http, sse("/chat/api/chat?prompt=count").build());
        List<JsonNode> events = events(c.awaitEnd(WAIT), c.headers().firstValue("X-Stream-Id").orElseThrow(), 1);
        assertEquals(REPLY_TOKENS, events.stream().filter(e -> e.get("type").asText().equals("chunk")).count(),
                "chat.demo.reply-tokens from the context parameters");
    }

    @Test
    @Order(5)
    void aSystemPropertyReachesTheApp() throws Exception {
        SseConnection c = SseConnection.open(http, sse("/chat/api/chat?prompt=retry").build());
        List<Timed> frames = c.awaitEnd(WAIT);
        assertEquals(RETRY, frames.get(0).frame().retry(), "chat.sse.retry-millis from a -D option");
    }

    @Test
    @Order(6)
    void anEnvironmentVariableReachesTheApp() throws Exception {
        long limit = Long.parseLong(Container.ENVIRONMENT.get("CHAT_LIMITS_MAX_BODY_BYTES"));
        String exact = "{\"message\":\"" + "x".repeat((int) limit - 14) + "\"}";
        assertEquals(limit, exact.length());
        SseConnection ok = SseConnection.open(http, post("/chat/api/chat", exact));
        assertEquals(200, ok.status());
        ok.awaitEnd(WAIT);
        HttpResponse<String> tooLarge = http.send(HttpRequest.newBuilder(container.uri("/chat/api/chat"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(exact + " ")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, tooLarge.statusCode(), "CHAT_LIMITS_MAX_BODY_BYTES from the environment");
        assertEquals("payload_too_large", JSON.readTree(tooLarge.body()).get("error").get("code").asText());
    }

    @Test
    @Order(7)
    void aStreamResumesWithLastEventIdAfterItsConnectionDrops() throws Exception {
        String path = "/chat/api/chat?prompt=" + encode("resume me");
        SseConnection first = SseConnection.open(http, sse(path).build());
        String streamId = first.headers().firstValue("X-Stream-Id").orElseThrow();
        Frame third = null;
        for (int i = 0; i < 3; i++) {
            third = first.nextEvent(WAIT);
            assertNotNull(third);
        }
        assertEquals(streamId + ":3", third.id());
        first.close();

        // EventSource reconnects to the same URL with the last id it saw
        SseConnection resumed = SseConnection.open(http, sse(path).header("Last-Event-ID", third.id()).build());
        assertEquals(200, resumed.status());
        List<Timed> frames = resumed.awaitEnd(WAIT);
        assertEquals(RETRY, frames.get(0).frame().retry());
        List<JsonNode> rest = events(frames, streamId, 4);
        assertEquals("end", rest.get(rest.size() - 1).get("type").asText());
        assertEquals(REPLY_TOKENS, rest.stream().filter(e -> e.get("type").asText().equals("chunk")).count());

        String lastId = frames.get(frames.size() - 1).frame().id();
        HttpResponse<Void> done = http.send(get("/chat/api/chat/streams/" + streamId)
                .header("Last-Event-ID", lastId).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(204, done.statusCode(), "everything was delivered");
    }

    @Test
    @Order(8)
    void theDiagnosticStreamIsNotHeldBack() throws Exception {
        SseConnection c = SseConnection.open(http, sse("/chat/api/diagnostics?ticks=3&idle=2").build());
        assertEquals(200, c.status());
        List<Timed> frames = c.awaitEnd(WAIT);
        assertEquals(5, frames.size(), frames.toString());
        long ticks = frames.get(3).nanos() - frames.get(1).nanos();
        assertTrue(ticks >= TimeUnit.MILLISECONDS.toNanos(1500), "three ticks within " + ticks / 1_000_000 + " ms");
        JsonNode hello = JSON.readTree(frames.get(0).frame().data());
        assertEquals(KEEP_ALIVE, hello.get("keepalive_seconds").asInt(), "the -D keep-alive, as the page is told");
    }

    @Test
    @Order(9)
    void metricsCountAReply() throws Exception {
        Map<String, Double> before = metrics();
        SseConnection c = SseConnection.open(http, sse("/chat/api/chat?prompt=count").build());
        c.awaitEnd(WAIT);
        String completed = "chat_readers_detached_total{reason=\"completed\"}";
        // the reader is counted out just after its response completes
        Await.check(WAIT, () -> metrics().get(completed) - before.get(completed) >= 1);
        Map<String, Double> after = metrics();
        assertEquals(1, after.get("chat_streams_started_total") - before.get("chat_streams_started_total"));
        assertEquals(1, after.get("chat_streams_ended_total{finish_reason=\"stop\"}")
                - before.get("chat_streams_ended_total{finish_reason=\"stop\"}"));
        assertEquals(REPLY_TOKENS, after.get("chat_tokens_total{type=\"chunk\"}")
                - before.get("chat_tokens_total{type=\"chunk\"}"));
        assertEquals(1, after.get("chat_time_to_first_token_seconds_count")
                - before.get("chat_time_to_first_token_seconds_count"));
        assertEquals(1, after.get(completed) - before.get(completed));
    }

    /**
     * Connections that fail must never cut another client's stream. The server learns that a client left when a write
     * fails, and the container then ends that response on its own thread and recycles its objects for the next
     * connection (Tomcat's processor cache); a late call from the application's thread would reach the new owner.
     * Each round opens 400 streams in 1 s and drops them all after 3 s more, between two writes (a keep-alive or a
     * token every 2 to 2.5 s): the server finds them gone while the next round's streams start. (The hold is what a
     * loaded machine needs for every stream's first byte to arrive; a stream still waiting for it counts as failed.) (The race itself needs more load than a test
     * should make, with three containers running at once: ServletTransportTest pins the guard down; this checks that
     * the guard lets every stream through.)
     */
    @Test
    @Order(10)
    void connectionsThatFailNeverCutOtherStreams() throws Exception {
        for (int round = 1; round <= 3; round++) {
            boolean ok = LoadClient.run(Map.of("label", "round-" + round, "port", Integer.toString(container.port),
                    "path", "/slow/api/chat", "streams", "400", "ramp", "1", "hold", "3", "keepalive", Integer.toString(KEEP_ALIVE),
                    "timeout", "60"));
            assertTrue(ok, "round " + round + ": a stream failed (see the report above)");
        }
    }

    private Map<String, Double> metrics() throws Exception {
        HttpResponse<String> r = http.send(get("/chat/api/metrics").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return MetricSamples.parse(r.body());
    }

    /**
     * Bad requests get the API's JSON errors (SPEC section 5) from the real container too, not its error pages and
     * not another error than the one made: containers decode queries differently (Tomcat 10.1 drops a parameter
     * with a bad escape, Tomcat 11 and Jetty throw).
     */
    @Test
    @Order(11)
    void badRequestsGetTheApisJsonErrors() throws Exception {
        String bom = "GET /chat/api/chat?prompt=";
        for (String request : List.of(bom + "%zz", bom + "%", bom + "%C3%28", bom + "x&model=%ED%A0%80",
                "GET /chat/api/diagnostics?ticks=%zz", "GET /chat/api/chat/streams/AAAAAAAAAAAAAAAAAAAAAA?x=%E0%80")) {
            RawHttp.Response r = RawHttp.exchange(container.port, request
                    + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            assertApiError(r.status(), r.header("Content-Type"), r.body(), 400, "invalid_request", request);
            assertTrue(r.body().contains("query string"), request + ": " + r.body());
        }
        Map<HttpRequest, Integer> cases = new java.util.LinkedHashMap<>();
        cases.put(HttpRequest.newBuilder(container.uri("/chat/api/chat")).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"x\"}")).build(), 415);
        cases.put(post("/chat/api/chat", "{\"message\":"), 400);
        cases.put(post("/chat/api/chat", "{\"messages\":[{\"role\":\"x\",\"content\":\"y\"}]}"), 400);
        cases.put(get("/chat/api/chat?prompt=x").header("Last-Event-ID", "nonsense").build(), 400);
        cases.put(get("/chat/api/chat/streams/AAAAAAAAAAAAAAAAAAAAAA").build(), 404);
        cases.put(get("/chat/api/chat?prompt=x").header("Last-Event-ID", "AAAAAAAAAAAAAAAAAAAAAA:3").build(), 404);
        cases.put(get("/chat/api/nope").build(), 404);
        cases.put(get("/chat/api/chat").PUT(HttpRequest.BodyPublishers.noBody()).build(), 405);
        for (Map.Entry<HttpRequest, Integer> c : cases.entrySet()) {
            HttpResponse<String> r = http.send(c.getKey(), HttpResponse.BodyHandlers.ofString());
            String code = switch (c.getValue()) {
                case 400 -> "invalid_request";
                case 404 -> "not_found";
                case 405 -> "method_not_allowed";
                default -> "unsupported_media_type";
            };
            assertApiError(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body(),
                    c.getValue(), code, c.getKey().method() + " " + c.getKey().uri());
        }
    }

    /** What gives a server away in an answer: its name or version, a Java class or a stack frame. */
    private static final Pattern REVEALING = Pattern.compile("(?i)jetty|tomcat|powered by|servlet|exception"
            + "|\\bat [a-z]+\\.[a-z]|org\\.eclipse|org\\.apache|io\\.chatstream|(?<![\\d.])\\d+\\.\\d+\\.\\d+(?![\\d.])");

    /**
     * Requests the container refuses by itself, most before the webapp sees them (an odd method, an encoded slash, a
     * negative length, a 70 KB header, a NUL in the path): with the settings of docs/security.md no answer names the
     * server or shows a stack trace (nor does the log: see {@link #theContainerLogsNoLeakWarningAndNoStackTrace});
     * what the webapp answers is JSON under {@code /chat/api/} and its own short page elsewhere.
     */
    @Test
    @Order(13)
    void whatTheContainerRefusesNamesNoServer() throws Exception {
        String end = " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
        java.io.ByteArrayOutputStream nul = new java.io.ByteArrayOutputStream();
        nul.writeBytes("GET /chat/api/a".getBytes(StandardCharsets.US_ASCII));
        nul.write(0);
        nul.writeBytes(("b" + end + "\r\n").getBytes(StandardCharsets.US_ASCII));
        List<byte[]> refused = List.of(
                ("TRACE /chat/api/chat" + end + "\r\n").getBytes(StandardCharsets.US_ASCII),
                ("GET /chat/api/chat/streams/a%2Fb" + end + "\r\n").getBytes(StandardCharsets.US_ASCII),
                ("POST /chat/api/chat" + end + "Content-Type: application/json\r\nContent-Length: -1\r\n\r\n{}")
                        .getBytes(StandardCharsets.US_ASCII),
                ("GET /chat/api/health" + end + "X-Big: " + "b".repeat(70 * 1024) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII),
                nul.toByteArray(),
                ("GET /chat/a%2Fb" + end + "\r\n").getBytes(StandardCharsets.US_ASCII),
                ("GET /no-such-webapp/" + end + "\r\n").getBytes(StandardCharsets.US_ASCII),
                ("TRACE /chat/" + end + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] request : refused) {
            String what = new String(request, 0, 40, StandardCharsets.ISO_8859_1).split("\r")[0].replace("\0", "\\0");
            RawHttp.Response r = RawHttp.exchange(container.port, request);
            assertTrue(r.status() >= 400 && r.status() < 500, what + " -> " + r.status());
            String server = r.header("Server");
            assertTrue(server == null || !REVEALING.matcher(server).find(), what + ": Server: " + server);
            assertFalse(REVEALING.matcher(r.body()).find(), what + ": " + r.body());
            String type = r.header("Content-Type");
            if (type != null && type.startsWith("application/json")) {
                assertApiError(r.status(), type, r.body(), r.status(), JSON.readTree(r.body()).path("error")
                        .path("code").asText("(none)"), what);
            }
        }
        // a refused method on an API path is the webapp's to answer (Jetty's default descriptor refuses TRACE
        // itself, with no body at all)
        RawHttp.Response trace = RawHttp.exchange(container.port, refused.get(0));
        if (!trace.body().isEmpty()) {
            assertTrue(trace.header("Content-Type").startsWith("application/json"), trace.body());
        }
        // the webapp's own errors outside the API: its short page
        for (String path : List.of("/chat/no/such/page", "/chat/assets/", "/chat/webjars/", "/chat/WEB-INF/web.xml")) {
            HttpResponse<String> r = http.send(get(path).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, r.statusCode(), path + ": " + r.body());
            assertTrue(r.body().contains("404 Not Found"), path + ": " + r.body());
            assertFalse(REVEALING.matcher(r.body()).find(), path + ": " + r.body());
        }
    }

    /** The page and its assets carry the Content-Security-Policy and nosniff; no one else may frame the page. */
    @Test
    @Order(14)
    void thePageAndItsAssetsCarryTheSecurityHeaders() throws Exception {
        for (String path : List.of("/chat/", "/chat/assets/chat.js", "/chat/embed.js", "/chat/diagnostics.html",
                "/chat/api/health")) {
            HttpResponse<String> r = http.send(get(path).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), path);
            String policy = r.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(policy.contains("script-src 'self';") && policy.contains("object-src 'none'")
                    && policy.contains("base-uri 'self'") && policy.endsWith("frame-ancestors 'self'"),
                    path + ": " + policy);
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(null), path);
        }
    }

    /**
     * A chunked body whose framing is broken: Jetty and Tomcat 11 let the webapp answer (400, JSON); Tomcat 10.1
     * answers nothing and closes the connection, whatever the webapp does (docs/security.md says why). A body refused by its length
     * (413) is answered at once; Tomcat then keeps reading it for a while before it closes the connection.
     */
    @Test
    @Order(15)
    void brokenAndRefusedBodiesAreAnsweredAsTheContainerAllows() throws Exception {
        String head = "POST /chat/api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
        for (String body : List.of("zz\r\n{\"message\":\"x\"}\r\n0\r\n\r\n",
                "5;" + "e".repeat(20_000) + "\r\n{\"mes\r\n")) {
            String what = body.substring(0, 12);
            try (Socket socket = RawHttp.connect(container.port)) {
                socket.getOutputStream().write((head + "Transfer-Encoding: chunked\r\n\r\n" + body)
                        .getBytes(StandardCharsets.US_ASCII));
                if (container.webappAnswersBrokenChunks()) {
                    RawHttp.Response r = RawHttp.read(socket.getInputStream());
                    assertApiError(r.status(), r.header("Content-Type"), r.body(), 400, "invalid_request", what);
                } else {
                    assertTrue(closedWithNothing(socket), what + ": nothing, then the end of the connection");
                }
            }
        }
        try (Socket socket = RawHttp.connect(container.port)) {
            socket.getOutputStream().write((head + "Content-Length: 10485760\r\n\r\n{\"message\":\""
                    + "x".repeat(64 * 1024)).getBytes(StandardCharsets.US_ASCII));
            RawHttp.Response r = RawHttp.read(socket.getInputStream());
            assertApiError(r.status(), r.header("Content-Type"), r.body(), 413, "payload_too_large", "10 MB");
            if (container.swallowsRefusedBodies()) {
                assertEquals("close", r.header("Connection"), "Tomcat's own, on every 413");
                socket.setSoTimeout(2000);
                assertThrows(java.net.SocketTimeoutException.class, () -> socket.getInputStream().read(),
                        "still open, reading the body the client may still send");
            }
            socket.setSoTimeout((int) Container.TIMEOUT.multipliedBy(3).toMillis()); // Tomcat's connectionTimeout
            assertTrue(closedWithNothing(socket), "closed once the client stops sending");
        }
    }

    /** Whether the server closes the connection (an end, or a reset) before sending another byte. */
    private static boolean closedWithNothing(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read() == -1;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    /** A reply of {@code /model} to {@code message}, its stream started. */
    private SseConnection modelReply(String message) throws Exception {
        SseConnection c = SseConnection.open(http, post("/model/api/chat", JSON.createObjectNode()
                .put("message", message).toString()));
        assertEquals(200, c.status());
        return c;
    }

    private static void assertApiError(int status, String contentType, String body, int expectedStatus,
                                       String expectedCode, String what) throws IOException {
        assertEquals(expectedStatus, status, what + ": " + body);
        assertNotNull(contentType, what);
        assertTrue(contentType.startsWith("application/json"), what + ": " + contentType);
        assertEquals(expectedCode, JSON.readTree(body).get("error").get("code").asText(), what + ": " + body);
    }

    /** {@code /model}: the OpenAI-compatible backend in the container, against a model server on a real port. */
    @Test
    @Order(12)
    void aReplyStreamsFromAnOpenAiCompatibleServer() throws Exception {
        SseConnection c = modelReply("9.11 or 9.8?");
        String streamId = c.headers().firstValue("X-Stream-Id").orElseThrow();
        List<JsonNode> events = events(c.awaitEnd(WAIT), streamId, 1);
        StringBuilder reasoning = new StringBuilder();
        StringBuilder answer = new StringBuilder();
        for (JsonNode e : events) {
            switch (e.get("type").asText()) {
                case "reasoning" -> reasoning.append(e.get("content").asText());
                case "chunk" -> answer.append(e.get("content").asText());
                default -> { }
            }
        }
        assertEquals("deepseek-reasoner", events.get(0).get("model").asText());
        assertEquals(Transcripts.DEEPSEEK_REASONER.reasoning(), reasoning.toString());
        assertEquals(Transcripts.DEEPSEEK_REASONER.answer(), answer.toString());
        JsonNode end = events.get(events.size() - 1);
        assertEquals("stop", end.get("finish_reason").asText());
        assertEquals(64, end.get("usage").get("completion_tokens").asInt());
        FakeUpstream.Request sent = upstream.takeRequest();
        assertEquals("/v1/chat/completions", sent.path());
        assertEquals("Bearer sk-it-0123456789", sent.header("Authorization"));
    }

    /**
     * The webapp stops while its backend waits on the model server: the stream gets its retry, the call is closed.
     * Before the long reply is checked: {@code /model} is not the slow webapp, so its restart runs meanwhile.
     */
    @Test
    @Order(16)
    void redeployingAProviderWebappClosesItsUpstreamCalls() throws Exception {
        SseConnection c = heldModelReply();
        container.redeploy(Container.MODEL);
        assertCompletedWithRetry(List.of(c));
        assertTrue(upstreamClosed.tryAcquire(30, TimeUnit.SECONDS), "the upstream call was closed");
        awaitStatus("/model/api/health", 200);
    }

    /**
     * The long reply, started before the first test, lasts five times the containers' timeouts ({@link
     * Container#TIMEOUT}, lowered from their defaults so that this takes 40 s, not minutes), with a keep-alive in
     * each silence between its tokens.
     */
    @Test
    @Order(20)
    void aLongReplyIsNotCutByTheContainersTimeouts() throws Exception {
        List<Timed> frames = longReply.awaitEnd(Duration.ofSeconds(200));
        String streamId = longReply.headers().firstValue("X-Stream-Id").orElseThrow();
        List<JsonNode> events = events(frames, streamId, 1);
        assertEquals(18, events.size(), "start, 15 reasoning, 1 chunk, end");
        assertEquals("stop", events.get(17).get("finish_reason").asText());
        long took = frames.get(frames.size() - 1).nanos() - longReplyStarted;
        assertTrue(took >= Container.TIMEOUT.multipliedBy(4).toNanos(), "the reply took " + took / 1_000_000 + " ms");
        long keepAlives = frames.stream().filter(t -> "keep-alive".equals(t.frame().comment())).count();
        assertTrue(keepAlives >= 8, keepAlives + " keep-alives in " + frames.size() + " frames");
        long maxGap = 0;
        for (int i = 1; i < frames.size(); i++) {
            maxGap = Math.max(maxGap, frames.get(i).nanos() - frames.get(i - 1).nanos());
        }
        assertTrue(maxGap < Container.TIMEOUT.toNanos(), "a silence of " + maxGap / 1_000_000 + " ms");
    }

    @Test
    @Order(30)
    void redeployingCompletesOpenStreamsWithAJitteredRetry() throws Exception {
        List<SseConnection> open = openSlowStreams(3);
        container.redeploy(Container.SLOW);
        Set<Long> retries = assertCompletedWithRetry(open);
        assertTrue(retries.size() > 1, "the retries are spread out: " + retries);
        awaitStatus("/slow/api/health", 200);
    }

    @Test
    @Order(31)
    void undeployingCompletesOpenStreamsWithARetry() throws Exception {
        // many at once: the container finishes each completed request on one of its threads, in the webapp's
        // context, and must be done with all of them before the webapp is unloaded (else Tomcat warns of a leak)
        List<SseConnection> open = openSlowStreams(100);
        // and a POST whose body is still coming in: answered 503, not the container's 500 error page
        try (Socket post = RawHttp.connect(container.port)) {
            post.setSoTimeout(30_000);
            post.getOutputStream().write(("POST /slow/api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type:"
                    + " application/json\r\nContent-Length: 100\r\n\r\n{\"message\":")
                    .getBytes(StandardCharsets.US_ASCII));
            post.getOutputStream().flush();
            // a second for the request to reach the servlet, which then waits for the rest of the body: nothing in a
            // container shows a body that is still coming in, so there is no condition to wait on
            Thread.sleep(1000);
            container.undeploy(Container.SLOW);
            RawHttp.Response answer = RawHttp.read(post.getInputStream());
            assertEquals(503, answer.status(), answer.body());
            assertTrue(answer.body().contains("\"unavailable\""), answer.body());
            assertNotNull(answer.header("Retry-After"));
        }
        assertCompletedWithRetry(open);
        awaitStatus("/slow/api/health", 404);
        assertEquals(200, Container.status(http, container.uri("/chat/api/health")), "the other webapp still runs");
    }

    @Test
    @Order(40)
    void theContainerLogsNoLeakWarningAndNoStackTrace() throws Exception {
        assertCleanLog();
    }

    /**
     * The container is stopped as an init system stops it (SIGTERM): every open stream gets its retry before the
     * connections close (standalone Jetty closes them before it stops its webapps: the webapp ends its streams as
     * the JVM begins to exit, and Jetty's graceful module keeps the connections meanwhile), and the upstream calls
     * are closed.
     */
    @Test
    @Order(50)
    void stoppingTheContainerGivesEveryOpenStreamItsRetry() throws Exception {
        List<SseConnection> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            open.add(heldModelReply());
        }
        upstreamClosed.drainPermits();
        container.close();
        assertCompletedWithRetry(open);
        assertTrue(upstreamClosed.tryAcquire(3, 30, TimeUnit.SECONDS), "the upstream calls were closed");
        assertCleanLog();
    }

    /** A reply of {@code /model} that the model server holds after its first chunk, read up to that chunk. */
    private SseConnection heldModelReply() throws Exception {
        SseConnection c = modelReply("hold");
        boolean answering = false;
        while (!answering) {
            Frame f = c.nextEvent(WAIT);
            assertNotNull(f, "the first part of the reply");
            answering = JSON.readTree(f.data()).get("type").asText().equals("chunk");
        }
        return c;
    }

    private void assertCleanLog() throws IOException {
        List<String> log = container.logLines();
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < log.size(); i++) {
            if (BAD_LOG.matcher(log.get(i)).find()) {
                bad.add(log.get(i));
                // Tomcat writes a leaked thread's stack on the lines after the warning, each indented, without "at"
                for (int j = i + 1; j < log.size() && log.get(j).startsWith(" ") && j <= i + 40; j++) {
                    bad.add(log.get(j));
                }
            }
        }
        assertTrue(bad.isEmpty(), container.name() + " logged:\n" + String.join("\n", bad));
        assertTrue(log.stream().anyMatch(l -> l.contains("Chat server stopped")), "the undeploys were logged");
    }

    private List<SseConnection> openSlowStreams(int n) throws Exception {
        List<SseConnection> open = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SseConnection c = SseConnection.open(http, sse("/slow/api/chat?prompt=" + encode("stream " + i)).build());
            assertEquals(200, c.status());
            assertNotNull(c.nextEvent(WAIT), "start");
            open.add(c);
        }
        return open;
    }

    /** Each stream ends, cleanly, with a retry frame after its events and no terminal event (SPEC section 4). */
    private Set<Long> assertCompletedWithRetry(List<SseConnection> open) throws Exception {
        Set<Long> retries = new LinkedHashSet<>();
        for (SseConnection c : open) {
            List<Timed> frames = c.awaitEnd(Duration.ofSeconds(60));
            Frame last = frames.get(frames.size() - 1).frame();
            assertFalse(last.isEvent(), "the last frame is not an event: " + frames);
            assertNotNull(last.retry(), "the last frame is a retry: " + frames);
            assertTrue(last.retry() >= RETRY && last.retry() <= 3 * RETRY, "retry " + last.retry());
            for (Timed t : frames) {
                if (t.frame().isEvent()) {
                    String type = JSON.readTree(t.frame().data()).get("type").asText();
                    assertFalse(type.equals("end") || type.equals("error"), "no terminal event: " + frames);
                }
            }
            retries.add(last.retry());
        }
        return retries;
    }

    private void awaitStatus(String path, int status) throws InterruptedException {
        int[] last = new int[1];
        if (!Await.check(Duration.ofSeconds(90), () -> (last[0] = Container.status(http, container.uri(path))) == status)) {
            throw new AssertionError(path + " answered " + last[0] + ", not " + status + ":\n" + container.tail());
        }
    }

    /** The events of {@code frames}, checked: ids {@code <streamId>:<seq>} from {@code firstSeq} up by one. */
    private static List<JsonNode> events(List<Timed> frames, String streamId, int firstSeq) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        int seq = firstSeq;
        for (Timed t : frames) {
            if (t.frame().isEvent()) {
                assertEquals(streamId + ":" + seq++, t.frame().id());
                events.add(JSON.readTree(t.frame().data()));
            } else if (t.frame().retry() == null) {
                assertNull(t.frame().data());
            }
        }
        assertFalse(events.isEmpty(), "no events: " + frames);
        return events;
    }

    /** The first {@code .js} file of each WebJar in the WAR, by its path under {@code webjars/}. */
    private static Map<String, byte[]> webJarScripts() throws IOException {
        Map<String, byte[]> scripts = new java.util.TreeMap<>();
        try (JarFile war = new JarFile(Container.war().toFile())) {
            Enumeration<JarEntry> entries = war.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                if (!e.getName().startsWith("WEB-INF/lib/") || !e.getName().endsWith(".jar")) {
                    continue;
                }
                try (InputStream in = war.getInputStream(e); JarInputStream jar = new JarInputStream(in)) {
                    String prefix = "META-INF/resources/webjars/";
                    String first = null;
                    byte[] bytes = null;
                    for (JarEntry j; (j = jar.getNextJarEntry()) != null; ) {
                        if (j.getName().startsWith(prefix) && j.getName().endsWith(".js")
                                && (first == null || j.getName().compareTo(first) < 0)) {
                            first = j.getName();
                            bytes = jar.readAllBytes();
                        }
                    }
                    if (first != null) {
                        scripts.put(first.substring(prefix.length()), bytes);
                    }
                }
            }
        }
        return scripts;
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(container.uri(path)).timeout(WAIT);
    }

    private HttpRequest.Builder sse(String path) {
        return HttpRequest.newBuilder(container.uri(path)).header("Accept", "text/event-stream");
    }

    private HttpRequest post(String path, String json) {
        return sse(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
