package io.chatstream.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.testing.RawHttp;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests that the server refuses by itself, before or around the API (an odd method, an encoded slash, a bad
 * length, a huge header, a NUL in the path): under {@code /api/} each gets the API's JSON error, elsewhere a page;
 * nowhere the server's name, version, servlet or a stack trace.
 */
class ErrorPagesTest {

    /** What gives the server away: its name or version, a Java class or a stack frame. */
    static final Pattern REVEALING = Pattern.compile("(?i)jetty|tomcat|powered by|servlet|exception|\\bat [a-z]+\\.[a-z]"
            + "|org\\.eclipse|org\\.apache|io\\.chatstream|(?<![\\d.])\\d+\\.\\d+\\.\\d+(?![\\d.])");

    private static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    /** Raw requests the container itself refuses, each under /api/. */
    static List<byte[]> refusedByTheContainer(String apiPath) {
        String end = " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
        ByteArrayOutputStream nul = new ByteArrayOutputStream();
        nul.writeBytes(("GET " + apiPath + "/a").getBytes(StandardCharsets.US_ASCII));
        nul.write(0);
        nul.writeBytes(("b" + end + "\r\n").getBytes(StandardCharsets.US_ASCII));
        return List.of(
                ("TRACE " + apiPath + "/chat" + end + "\r\n").getBytes(StandardCharsets.US_ASCII),
                ("GET " + apiPath + "/chat/streams/a%2Fb" + end + "\r\n").getBytes(StandardCharsets.US_ASCII),
                ("POST " + apiPath + "/chat" + end + "Content-Type: application/json\r\nContent-Length: -1\r\n\r\n{}")
                        .getBytes(StandardCharsets.US_ASCII),
                ("GET " + apiPath + "/health" + end + "X-Big: " + "b".repeat(70 * 1024) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII),
                nul.toByteArray());
    }

    static String describe(byte[] request) {
        String s = new String(request, 0, Math.min(request.length, 60), StandardCharsets.ISO_8859_1);
        return s.substring(0, s.indexOf('\r') < 0 ? s.length() : s.indexOf('\r')).replace("\0", "\\0");
    }

    @Test
    void whatTheServerRefusesUnderApiIsTheApisJsonAndNamesNoServer() throws Exception {
        for (byte[] request : refusedByTheContainer("/api")) {
            String what = describe(request);
            RawHttp.Response r = RawHttp.exchange(s.port(), request);
            assertTrue(r.status() >= 400 && r.status() < 500, what + " -> " + r.status());
            assertNull(r.header("Server"), what + ": no Server header");
            assertFalse(REVEALING.matcher(r.body()).find(), what + ": " + r.body());
            if (what.contains("\\0") || (what.startsWith("TRACE") && r.body().isEmpty())) {
                // a request line that does not parse has no path to tell an API request by; and Jetty answers TRACE
                // (refused by its default descriptor's constraint) with no body at all
                continue;
            }
            assertApiError(r, what);
        }
    }

    static void assertApiError(RawHttp.Response r, String what) throws Exception {
        assertNotNull(r.header("Content-Type"), what);
        assertTrue(r.header("Content-Type").startsWith("application/json"), what + ": " + r.header("Content-Type")
                + " " + r.body());
        JsonNode error = SseRecorder.JSON.readTree(r.body()).get("error");
        assertNotNull(error, what + ": " + r.body());
        assertFalse(error.get("code").asText().isEmpty(), what);
        assertFalse(error.get("message").asText().isEmpty(), what);
    }

    @Test
    void whatTheServerRefusesElsewhereIsAPageThatNamesNoServer() throws Exception {
        String end = " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        for (String request : List.of("GET /no/such/page" + end, "TRACE /" + end, "GET /a%2Fb" + end,
                "GET /" + end.replace("\r\n\r\n", "\r\nX-Big: " + "b".repeat(70 * 1024) + "\r\n\r\n"),
                "GET /WEB-INF/web.xml" + end, "GET /error" + end)) {
            String what = describe(request.getBytes(StandardCharsets.ISO_8859_1));
            RawHttp.Response r = RawHttp.exchange(s.port(), request);
            assertTrue(r.status() >= 400 && r.status() < 500, what + " -> " + r.status());
            assertNull(r.header("Server"), what + ": no Server header");
            assertFalse(REVEALING.matcher(r.body()).find(), what + ": " + r.body());
            assertFalse(r.body().toLowerCase(Locale.ROOT).contains("x-big"), what + ": the request is not echoed");
        }
    }

    @Test
    void noResponseNamesTheServer() throws Exception {
        RawHttp.Response page = RawHttp.exchange(s.port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertEquals(200, page.status());
        assertNull(page.header("Server"));
        RawHttp.Response health = RawHttp.exchange(s.port(),
                "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertEquals(200, health.status());
        assertNull(health.header("Server"));
    }
}
