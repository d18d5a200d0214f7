package io.chatstream.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.security.EchoTestBackendProvider.Piece;
import io.chatstream.testing.SseParser;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property: any text, through the whole path (request JSON or query -> backend -> stream -> frames -> real HTTP ->
 * strict {@link SseParser} or NDJSON lines -> Jackson), comes back exactly, as exactly the events the backend sent.
 * Fixed seeds; thousands of texts per run; a failure names the seed that reproduces it.
 */
@Timeout(120)
class RoundTripFuzzTest {

    private static final long SEED = 0x6A09E667F3BCC908L;
    private static final int REQUESTS = 800;

    /** One request: what it sends and which events must come back. */
    private record Case(int index, long seed, HttpRequest request, String model, List<Piece> pieces, boolean ndjson,
                        int texts) {
    }

    private static Case newCase(TestServer s, int index) {
        long seed = SEED + index;
        Random r = new Random(seed);
        String model = "seed-" + seed;
        boolean ndjson = r.nextInt(5) == 0;
        List<ChatMessage> messages = new ArrayList<>();
        HttpRequest.Builder b;
        if (r.nextInt(6) == 0) {
            String prompt;
            do {
                prompt = HostileText.next(r, 30);
            } while (HostileText.hasLoneSurrogate(prompt)); // a URL carries UTF-8 only
            messages.add(ChatMessage.user(prompt));
            b = HttpRequest.newBuilder(s.uri("/api/chat?model=" + model + "&prompt="
                    + URLEncoder.encode(prompt, StandardCharsets.UTF_8)));
        } else {
            int n = 1 + r.nextInt(8);
            StringBuilder body = new StringBuilder("{\"model\":\"" + model + "\",\"messages\":[");
            for (int i = 0; i < n; i++) {
                ChatMessage.Role role = i == n - 1 ? ChatMessage.Role.USER
                        : List.of(ChatMessage.Role.SYSTEM, ChatMessage.Role.USER, ChatMessage.Role.ASSISTANT)
                        .get(r.nextInt(3));
                String text = HostileText.next(r, 1 + r.nextInt(60));
                messages.add(new ChatMessage(role, text));
                body.append(i == 0 ? "" : ",").append("{\"role\":\"").append(role.wire()).append("\",\"content\":")
                        .append(HostileText.json(text)).append('}');
            }
            body.append("]}");
            b = HttpRequest.newBuilder(s.uri("/api/chat")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(HostileText.utf8(body.toString())));
        }
        if (ndjson) {
            b.header("Accept", "application/x-ndjson");
        }
        List<Piece> pieces = EchoTestBackendProvider.pieces(new ChatRequest(messages, model, null, null));
        return new Case(index, seed, b.build(), model, pieces, ndjson, messages.size());
    }

    /** The events of one response: type and content (or model, or finish reason), in order. */
    private static List<Piece> events(Case c) throws Exception {
        HttpResponse<InputStream> resp = Api.HTTP.send(c.request(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, resp.statusCode());
        byte[] body;
        try (InputStream in = resp.body()) {
            body = in.readAllBytes();
        }
        List<JsonNode> json = new ArrayList<>();
        String streamId = resp.headers().firstValue("X-Stream-Id").orElseThrow();
        if (c.ndjson()) {
            assertTrue(resp.headers().firstValue("Content-Type").orElse("").startsWith("application/x-ndjson"));
            int start = 0;
            for (int i = 0; i < body.length; i++) {
                assertTrue(body[i] != '\r', "no CR in NDJSON");
                if (body[i] == '\n') {
                    json.add(SseRecorder.JSON.readTree(new String(body, start, i - start, StandardCharsets.UTF_8)));
                    start = i + 1;
                }
            }
            assertEquals(body.length, start, "the body ends with a whole line");
        } else {
            SseParser parser = new SseParser();
            // fed in random cuts: a client's reads split frames anywhere
            Random cuts = new Random(c.seed());
            for (int at = 0; at < body.length; ) {
                int n = Math.min(body.length - at, 1 + cuts.nextInt(300));
                parser.feed(body, at, n);
                at += n;
            }
            assertTrue(parser.isAtBoundary(), "the body ends on a frame boundary");
            List<SseParser.Frame> frames = parser.frames();
            assertEquals(3000L, frames.get(0).retry(), "the first frame is retry");
            long seq = 0;
            for (SseParser.Frame f : frames.subList(1, frames.size())) {
                assertTrue(f.isEvent(), "only events follow: " + f);
                assertEquals(streamId + ":" + ++seq, f.id());
                json.add(SseRecorder.JSON.readTree(f.data()));
            }
        }
        List<Piece> out = new ArrayList<>();
        for (JsonNode e : json) {
            String type = e.get("type").asText();
            String value = switch (type) {
                case "start" -> e.get("stream_id").asText() + " " + e.get("model").asText();
                case "end" -> e.get("finish_reason").asText() + (e.has("usage") ? " usage" : "");
                case "reasoning", "chunk" -> e.get("content").textValue();
                default -> e.toString();
            };
            out.add(new Piece(type, value));
        }
        return out;
    }

    @Test
    void anyTextComesBackExactlyAsTheEventsTheBackendSent() throws Exception {
        try (TestServer s = TestServer.start(Map.of("chat.backend", "echo-test",
                "chat.limits.max-streams-per-client", "10000", "chat.stream.retain-seconds", "1"))) {
            ExecutorService clients = Executors.newFixedThreadPool(4);
            try {
                List<Future<String>> results = new ArrayList<>();
                int texts = 0;
                for (int i = 0; i < REQUESTS; i++) {
                    Case c = newCase(s, i);
                    texts += c.texts();
                    results.add(clients.submit(() -> check(c)));
                }
                int pieces = 0;
                for (Future<String> f : results) {
                    String failure = f.get();
                    if (failure != null) {
                        throw new AssertionError(failure);
                    }
                    pieces++;
                }
                assertEquals(REQUESTS, pieces);
                assertTrue(texts > 2_500, "thousands of hostile texts: " + texts);
            } finally {
                clients.shutdownNow();
            }
        }
    }

    /** Null when the case passes, else what failed and how to reproduce it. */
    private static String check(Case c) {
        try {
            List<Piece> got = events(c);
            List<Piece> expected = new ArrayList<>();
            String streamId = got.isEmpty() ? "?" : got.get(0).text().split(" ")[0];
            expected.add(new Piece("start", streamId + " " + c.model()));
            expected.addAll(c.pieces());
            expected.add(new Piece("end", "stop"));
            if (!expected.equals(got)) {
                return "case " + c.index() + " (seed " + c.seed() + ", " + (c.ndjson() ? "NDJSON" : "SSE")
                        + "): events differ\nexpected " + visible(expected) + "\n     got " + visible(got);
            }
            return null;
        } catch (Throwable t) {
            ByteArrayOutputStream trace = new ByteArrayOutputStream();
            t.printStackTrace(new PrintStream(trace, true, StandardCharsets.UTF_8));
            return "case " + c.index() + " (seed " + c.seed() + "): " + trace.toString(StandardCharsets.UTF_8);
        }
    }

    private static String visible(List<Piece> pieces) {
        StringBuilder b = new StringBuilder();
        for (Piece p : pieces) {
            b.append(p.type()).append('[');
            p.text().chars().forEach(ch -> b.append(ch < 0x20 || ch > 0x7e ? String.format("\\u%04x", ch)
                    : String.valueOf((char) ch)));
            b.append("] ");
        }
        return b.toString();
    }
}
