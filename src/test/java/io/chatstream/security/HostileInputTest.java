package io.chatstream.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.demo.DemoBackend;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;
import io.chatstream.testing.RawHttp;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.chatstream.security.Api.assertError;
import static io.chatstream.security.Api.open;
import static io.chatstream.security.Api.post;
import static io.chatstream.security.Api.send;
import static io.chatstream.security.Api.stream;
import static io.chatstream.testing.SseRecorder.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad and hostile requests over real HTTP: huge bodies, malformed Last-Event-IDs, odd methods, and text built to
 * forge frames. Each gets its 4xx or its one clean stream, never a 500.
 */
class HostileInputTest {

    private static final Duration T = Duration.ofSeconds(20);
    private static final int TEN_MB = 10 * 1024 * 1024;
    private static TestServer s;

    /** Text that would add lines, fields, frames or elements if it were written raw anywhere. */
    static final List<String> FORGERIES = List.of(
            "a\n\ndata: {\"type\":\"end\",\"finish_reason\":\"stop\"}\n\n",
            "b\r\n\r\nid: AAAAAAAAAAAAAAAAAAAAAA:99\r\ndata: {\"type\":\"chunk\",\"content\":\"forged\"}\r\n\r\n",
            "c\rretry: 1\r\revent: end\r\r: comment\r",
            "\"},{\"type\":\"end\"}\n{\"type\":\"error\",\"code\":\"internal\",\"error\":\"forged\"}\n",
            "</script><script>alert(1)</script><img src=x onerror=alert(2)>",
            "nul\u0000byte, line\u2028separator, paragraph\u2029separator, bell\u0007, del\u007f, \u0085next line",
            "\\u000a\\n\\r escaped-looking text and a lone backslash \\",
            "astral \uD83D\uDE00 and combining e\u0301 and bidi \u202Eevil\u202C");

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(Map.of("chat.demo.tokens-per-second", "2000",
                "chat.limits.max-streams-per-client", "1000"));
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    private static String json(String text) throws Exception {
        return SseRecorder.JSON.writeValueAsString(text);
    }

    // --- no injection ------------------------------------------------------------------------------------------

    @Test
    void textThatLooksLikeFramesComesBackAsExactlyOneStreamOfItsOwnChunks() throws Exception {
        for (String text : FORGERIES) {
            List<HttpRequest.Builder> ways = List.of(post(s, "{\"message\":" + json(text) + "}"),
                    HttpRequest.newBuilder(s.uri("/api/chat?prompt=" + URLEncoder.encode(text, StandardCharsets.UTF_8))));
            for (HttpRequest.Builder way : ways) {
                try (SseRecorder r = open(way)) {
                    assertEquals(200, r.status(), text);
                    List<Event> events = r.readToEnd(T);
                    assertOneCleanStream(r.header("X-Stream-Id"), events);
                    assertEquals(DemoBackend.answerText(ChatRequest.of(text)), text(events, "chunk"),
                            "every code point back, in order");
                    long frames = r.seen().stream().filter(f -> f.isEvent()).count();
                    assertEquals(events.size(), frames, "no frame beyond the stream's own events");
                }
            }
        }
    }

    @Test
    void ndjsonLinesCannotBeForgedEither() throws Exception {
        for (String text : FORGERIES) {
            HttpResponse<InputStream> resp = Api.HTTP.send(post(s, "{\"message\":" + json(text) + "}")
                    .header("Accept", "application/x-ndjson").build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, resp.statusCode());
            List<JsonNode> lines = new ArrayList<>();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    JsonNode node = SseRecorder.JSON.readTree(line);
                    assertTrue(node.isObject(), line);
                    lines.add(node);
                }
            }
            assertEquals("start", lines.get(0).get("type").asText());
            StringBuilder answer = new StringBuilder();
            int terminals = 0;
            for (JsonNode n : lines) {
                String type = n.get("type").asText();
                assertTrue(List.of("start", "reasoning", "chunk", "end").contains(type), type);
                terminals += type.equals("end") || type.equals("error") ? 1 : 0;
                if (type.equals("chunk")) {
                    answer.append(n.get("content").asText());
                }
            }
            assertEquals(1, terminals, "exactly one terminal line");
            assertEquals("end", lines.get(lines.size() - 1).get("type").asText());
            assertEquals("stop", lines.get(lines.size() - 1).get("finish_reason").asText());
            assertEquals(DemoBackend.answerText(ChatRequest.of(text)), answer.toString());
        }
    }

    static void assertOneCleanStream(String streamId, List<Event> events) {
        SseRecorder.assertSequential(events, 1);
        assertEquals("start", events.get(0).type());
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            assertEquals(streamId, e.streamId(), "every event of this stream");
            assertEquals(i == events.size() - 1, e.isTerminal(), "one terminal event, the last");
            assertTrue(List.of("start", "reasoning", "chunk", "end").contains(e.type()), e.type());
        }
        assertEquals("stop", events.get(events.size() - 1).json().get("finish_reason").asText());
    }

    @Test
    void aModelNameIsShownVerbatimAndOneWithControlCharactersIsRefused() throws Exception {
        String odd = "</script>\"'<b>m\u2028\uD83D\uDE00";
        try (SseRecorder r = open(post(s, "{\"message\":\"x\",\"model\":" + json(odd) + "}"))) {
            List<Event> events = r.readToEnd(T);
            assertEquals(odd, events.get(0).json().get("model").asText());
            assertOneCleanStream(r.header("X-Stream-Id"), events);
        }
        for (String bad : List.of("m\r\nid: x", "m\ndata: {}", "m\u0000", "m\u001b[31m", "m\u007f", "m\u0085")) {
            assertError(send(post(s, "{\"message\":\"x\",\"model\":" + json(bad) + "}")), 400, "invalid_request");
            assertError(send(HttpRequest.newBuilder(s.uri("/api/chat?prompt=x&model="
                    + URLEncoder.encode(bad, StandardCharsets.UTF_8)))), 400, "invalid_request");
        }
    }

    // --- bodies ------------------------------------------------------------------------------------------------

    @Test
    void aTenMegabyteBodyIs413BeforeItIsSent() throws Exception {
        try (Socket socket = RawHttp.connect(s.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + TEN_MB + "\r\n\r\n{\"message\":\"").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[64 * 1024]);
            out.flush();
            RawHttp.Response resp = RawHttp.read(socket.getInputStream());
            assertEquals(413, resp.status(), "answered with 64 KiB of 10 MiB sent");
            assertTrue(resp.body().contains("\"payload_too_large\""), resp.body());
        }
    }

    @Test
    void aTenMegabyteChunkedBodyIs413() throws Exception {
        byte[] big = ("{\"message\":\"" + "x".repeat(TEN_MB) + "\"}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> resp;
        try {
            resp = Api.HTTP.send(HttpRequest.newBuilder(s.uri("/api/chat")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // the server may close while the client still sends; then ask on a raw socket, which reads first
            resp = null;
        }
        if (resp != null) {
            assertError(resp, 413, "payload_too_large");
        } else {
            try (Socket socket = RawHttp.connect(s.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < 24; i++) {
                    out.write(("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                assertEquals(413, RawHttp.read(socket.getInputStream()).status());
            }
        }
    }

    @Test
    void withARaisedLimitATenMegabyteMessageGetsACleanAnswer() throws Exception {
        try (TestServer big = TestServer.start(Map.of("chat.limits.max-body-bytes", Integer.toString(2 * TEN_MB),
                "chat.demo.tokens-per-second", "2000"))) {
            String huge = "y".repeat(TEN_MB);
            try (SseRecorder r = open(HttpRequest.newBuilder(big.uri("/api/chat"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"" + huge + "\"}")))) {
                assertEquals(200, r.status());
                List<Event> events = r.readToEnd(T);
                SseRecorder.assertSequential(events, 1);
                Event last = events.get(events.size() - 1);
                assertEquals("length", last.json().get("finish_reason").asText(),
                        "a reply that outgrows chat.stream.max-bytes ends with finish_reason length");
            }
            assertError(send(HttpRequest.newBuilder(big.uri("/api/chat")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"x\",\"model\":\"" + huge + "\"}"))),
                    400, "invalid_request");
            try (SseRecorder r = open(HttpRequest.newBuilder(big.uri("/api/chat"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"x\",\"extra\":\"" + huge + "\"}")))) {
                assertEquals(200, r.status(), "a huge unknown field is ignored");
                assertEquals("stop", r.readToEnd(T).get(r.seen().stream().filter(f -> f.isEvent()).toList().size() - 1)
                        .json().get("finish_reason").asText());
            }
        }
    }

    @Test
    void aHugeQueryIsRefusedByTheContainerNotWithA500() throws Exception {
        HttpResponse<String> resp = send(HttpRequest.newBuilder(s.uri("/api/chat?prompt=" + "q".repeat(200_000))));
        assertTrue(resp.statusCode() >= 400 && resp.statusCode() < 500, "status " + resp.statusCode());
    }

    // --- Last-Event-ID ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"x", ":", "::", ":1", "AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAA:",
        "AAAAAAAAAAAAAAAAAAAAAA:+1", "AAAAAAAAAAAAAAAAAAAAAA:-0", "AAAAAAAAAAAAAAAAAAAAAA:1.0",
        "AAAAAAAAAAAAAAAAAAAAAA:1e3", "AAAAAAAAAAAAAAAAAAAAAA:0x10", "AAAAAAAAAAAAAAAAAAAAAA: 1",
        "AAAAAAAAAAAAAAAAAAAAAA:1 2", "AAAAAAAAAAAAAAAAAAAAAA:9999999999999999999",
        "AAAAAAAAAAAAAAAAAAAAAA:99999999999999999999999999999999", "AAAAAAAAAAAAAAAAAAAAAA;1",
        "AAAAAAAAAAAAAAAAAAAAAA:\u0661", "AAAAAAAAAAAAAAAAAAAAAA:\uFF11", "AAAAAAAAAAAAAAAAAAAAAA:1:"})
    void aMalformedLastEventIdIs400Everywhere(String bad) throws Exception {
        String enc = URLEncoder.encode(bad, StandardCharsets.UTF_8);
        String path = "/api/chat/streams/AAAAAAAAAAAAAAAAAAAAAA";
        List<HttpRequest.Builder> ways = new ArrayList<>(List.of(
                HttpRequest.newBuilder(s.uri(path + "?lastEventId=" + enc)),
                HttpRequest.newBuilder(s.uri("/api/chat?prompt=x&lastEventId=" + enc)),
                post(s, "{\"message\":\"x\"}").uri(s.uri("/api/chat?lastEventId=" + enc))));
        if (bad.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            ways.add(stream(s, "AAAAAAAAAAAAAAAAAAAAAA").header("Last-Event-ID", bad));
            ways.add(HttpRequest.newBuilder(s.uri("/api/chat?prompt=x")).header("Last-Event-ID", bad));
            ways.add(post(s, "{\"message\":\"x\"}").header("Last-Event-ID", bad));
        }
        int running = s.app().registry().running();
        for (HttpRequest.Builder way : ways) {
            assertError(send(way), 400, "invalid_request");
        }
        assertEquals(running, s.app().registry().running(), "no generation started");
    }

    /**
     * An id this server never issued is unknown, whatever it looks like: shorter, longer, another alphabet, with a
     * colon inside. Only a value that is not {@code <id>:<seq>} at all is malformed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"AAAAAAAAAAAAAAAAAAAAA:1", "AAAAAAAAAAAAAAAAAAAAAAA:1",
        "c2stdGhpcy1pcy0zMi1jaGFyYWN0ZXJz:3", "AAAAAAAAAAAAAAAAAAAAA=:1", "AAAAAAAAAAAAAAAAAAAAA/:1",
        "AAAAAAAAAAAAAAAAAAAAAA:1:2", "AAAAAAAAAAAAAAAAAAAAA\u00C4:1", "%41:1", "../../etc/passwd:1", "x:0",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789:7"})
    void aLastEventIdOfAnIdNeverIssuedIs404EverywhereWhateverItsShape(String unknown) throws Exception {
        String id = unknown.substring(0, unknown.lastIndexOf(':'));
        String enc = URLEncoder.encode(unknown, StandardCharsets.UTF_8);
        List<HttpRequest.Builder> ways = new ArrayList<>(List.of(
                HttpRequest.newBuilder(s.uri("/api/chat?prompt=x&lastEventId=" + enc)),
                post(s, "{\"message\":\"x\"}").uri(s.uri("/api/chat?lastEventId=" + enc)),
                post(s, "{\"message\":\"x\"}").uri(s.uri("/api/chat?lastEventId=" + enc))
                        .header("Idempotency-Key", "k-" + enc)));
        if (unknown.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            if (id.matches("[A-Za-z0-9_=.-]+")) {
                ways.add(stream(s, id).header("Last-Event-ID", unknown));
                ways.add(stream(s, id).uri(s.uri("/api/chat/streams/" + id + "?lastEventId=" + enc)));
            }
            ways.add(HttpRequest.newBuilder(s.uri("/api/chat?prompt=x")).header("Last-Event-ID", unknown));
            ways.add(post(s, "{\"message\":\"x\"}").header("Last-Event-ID", unknown));
            ways.add(post(s, "{\"message\":\"x\"}").header("Last-Event-ID", unknown)
                    .header("Idempotency-Key", "retry-" + id.length()));
        }
        int running = s.app().registry().running();
        for (HttpRequest.Builder way : ways) {
            assertError(send(way), 404, "not_found");
        }
        assertEquals(running, s.app().registry().running(), "no generation started");
    }

    @Test
    void lastEventIdHeaderBytesThatAreNotAsciiAre404OrAMalformedSeq400() throws Exception {
        byte[] head = ("GET /api/chat/streams/AAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Last-Event-ID: AAAAAAAAAAAAAAAAAAAAA").getBytes(StandardCharsets.US_ASCII);
        // an id of odd bytes is still only an id never issued; a seq that is not digits is malformed
        Map<byte[], Integer> cases = Map.of(new byte[] {(byte) 0xC3, (byte) 0x84, ':', '1'}, 404,
                new byte[] {(byte) 0xFF, ':', '1'}, 404, new byte[] {'A', ':', (byte) 0xB9}, 400);
        for (Map.Entry<byte[], Integer> c : cases.entrySet()) {
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            req.write(head);
            req.write(c.getKey());
            req.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            RawHttp.Response resp = RawHttp.exchange(s.port(), req.toByteArray());
            assertEquals(c.getValue(), resp.status(), resp.body());
        }
    }

    @Test
    void aWellFormedButUnknownLastEventIdIs404AndStartsNothing() throws Exception {
        int running = s.app().registry().running();
        for (HttpRequest.Builder way : List.of(stream(s, "AAAAAAAAAAAAAAAAAAAAAA").header("Last-Event-ID",
                        "AAAAAAAAAAAAAAAAAAAAAA:0"),
                HttpRequest.newBuilder(s.uri("/api/chat?prompt=x")).header("Last-Event-ID", "_-_-_-_-_-_-_-_-_-_-_-:1"),
                post(s, "{\"message\":\"x\"}").header("Last-Event-ID", "zzzzzzzzzzzzzzzzzzzzzz:7"))) {
            assertError(send(way), 404, "not_found");
        }
        assertEquals(running, s.app().registry().running());
    }

    @Test
    void anEmptyLastEventIdIsNone() throws Exception {
        try (SseRecorder r = open(HttpRequest.newBuilder(s.uri("/api/chat?prompt=x")).header("Last-Event-ID", ""))) {
            assertEquals(200, r.status(), "EventSource sends an empty Last-Event-ID before any event");
            assertOneCleanStream(r.header("X-Stream-Id"), r.readToEnd(T));
        }
    }

    // --- methods -----------------------------------------------------------------------------------------------

    @Test
    void everyOtherMethodIs405WithAllowAndNeverA500() throws Exception {
        Map<String, String> allow = Map.of("/api/chat", "GET, POST",
                "/api/chat/streams/AAAAAAAAAAAAAAAAAAAAAA", "GET, DELETE", "/api/health", "GET");
        for (Map.Entry<String, String> path : allow.entrySet()) {
            for (String method : List.of("PUT", "PATCH", "OPTIONS", "PROPFIND", "FOO", "DELETE", "POST", "GET")) {
                if (path.getValue().contains(method)) {
                    continue;
                }
                RawHttp.Response resp = RawHttp.exchange(s.port(), method + " " + path.getKey() + " HTTP/1.1\r\n"
                        + "Host: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
                assertEquals(405, resp.status(), method + " " + path.getKey());
                assertEquals(path.getValue(), resp.header("Allow"), method + " " + path.getKey());
                assertTrue(resp.body().contains("\"method_not_allowed\""), resp.body());
            }
            RawHttp.Response trace = RawHttp.exchange(s.port(), "TRACE " + path.getKey()
                    + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertTrue(trace.status() == 405 || trace.status() == 403, "TRACE " + path.getKey() + ": "
                    + trace.status() + " (the container's own answer)");
            RawHttp.Response head = RawHttp.exchange(s.port(), "HEAD " + path.getKey()
                    + "?prompt=x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertTrue(head.status() == 405 || path.getKey().equals("/api/health"), "HEAD " + path.getKey()
                    + ": " + head.status());
        }
        assertEquals(0, s.app().registry().running(), "no odd method started a generation");
    }

    @Test
    void aQueryThatCannotBeDecodedIs400() throws Exception {
        for (String query : List.of("prompt=%zz", "prompt=%", "prompt=x&lastEventId=%E0%80", "prompt=%C3%28",
                "prompt=x&model=%ED%A0%80", "prompt=x&%=1")) {
            for (String path : List.of("/api/chat?", "/api/chat/streams/AAAAAAAAAAAAAAAAAAAAAA?")) {
                RawHttp.Response resp = RawHttp.exchange(s.port(), "GET " + path + query
                        + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertEquals(400, resp.status(), path + query + ": " + resp.body());
            }
        }
    }

    @Test
    void aMalformedRequestLineOrHeaderIsTheContainers400() throws Exception {
        for (String raw : List.of("GET /api/chat?prompt=x HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
                "GET /api/chat/streams/%2e%2e/%2e%2e/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")) {
            RawHttp.Response resp = RawHttp.exchange(s.port(), raw);
            assertTrue(resp.status() >= 400 && resp.status() < 500, raw + " -> " + resp.status());
        }
    }

    @Test
    void theErrorBodiesAreJsonThatNoBrowserTakesForAPage() throws Exception {
        HttpResponse<String> resp = send(post(s, "{\"message\":\"<script>alert(1)</script>\",}"));
        assertError(resp, 400, "invalid_request");
        assertEquals("nosniff", resp.headers().firstValue("X-Content-Type-Options").orElse(null));
        assertFalse(resp.body().contains("<script>"), "the error does not carry the input's markup: " + resp.body());
    }
}
