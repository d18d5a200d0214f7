package io.chatstream.backend.upstream;

import io.chatstream.event.ErrorCode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpstreamFailuresTest {

    private static UpstreamFailures.Failure status(int status, String body, Map<String, List<String>> headers) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return UpstreamFailures.ofStatus(status, HttpHeaders.of(headers, (a, b) -> true), bytes, bytes.length,
                "Check the key.");
    }

    @Test
    void statuses() {
        assertEquals(new UpstreamFailures.Failure(ErrorCode.UPSTREAM_AUTH,
                "refused the request (HTTP 401): bad key. Check the key."),
                status(401, "{\"error\":{\"message\":\"bad key\"}}", Map.of()));
        assertEquals(ErrorCode.UPSTREAM_AUTH, status(403, "", Map.of()).code());
        assertEquals(new UpstreamFailures.Failure(ErrorCode.UPSTREAM_RATE_LIMITED,
                "rate limit reached (HTTP 429, Retry-After: 20): slow down"),
                status(429, "{\"error\":\"slow down\"}", Map.of("Retry-After", List.of("20"))));
        assertEquals("rate limit reached (HTTP 429, no Retry-After)", status(429, "", Map.of()).detail());
        assertEquals(new UpstreamFailures.Failure(ErrorCode.UPSTREAM_ERROR, "is unavailable or overloaded (HTTP 503)"),
                status(503, "Service Unavailable\n", Map.of()));
        assertEquals(new UpstreamFailures.Failure(ErrorCode.UPSTREAM_ERROR,
                "refused the request as invalid (HTTP 422): messages: required"),
                status(422, "{\"detail\":\"messages: required\"}", Map.of()));
        assertEquals("answered HTTP 301, a redirect to https://x/v1, which is not followed: check the base URL",
                status(301, "", Map.of("Location", List.of("https://x/v1"))).detail());
    }

    /** Error bodies as upstreams and the proxies before them send them: each becomes a few plain words. */
    @Test
    void errorBodiesBecomeWordsNeverMarkup() {
        String page = "<html><body><h1>500 Internal Server Error</h1><p>The server encountered an internal error"
                + "</p><hr><address>Apache/2.4.57 Server at api.example.com Port 443</address></body></html>";
        assertEquals("failed with an internal error (HTTP 500)", status(500, page, Map.of()).detail(),
                "a heading that only repeats the status is left out");
        assertEquals("failed with an internal error (HTTP 500): Rate & quota exceeded",
                status(500, "<!DOCTYPE html><html><head><title>Rate &amp; quota\n exceeded</title>"
                        + "<style>h1{color:red}</style></head><body><h1>Oops</h1></body></html>", Map.of()).detail());
        assertEquals("failed with an internal error (HTTP 500): Pool alert(1) exhausted",
                status(500, "<html><head><title>Pool &lt;script&gt;alert(1)&lt;/script&gt;exhausted</title></head>"
                        + "</html>", Map.of()).detail(), "an escaped tag is still no tag for a message");
        assertEquals("is unavailable or overloaded (HTTP 503): Maintenance in progress, back soon",
                status(503, "<html><head><script>var x = '<h1>no</h1>';</script></head><body><div><h2>Maintenance"
                        + " in <b>progress</b>,\n back&nbsp;soon</h2></div></body></html>", Map.of()).detail());
        assertEquals("could not get an answer from the server behind it (HTTP 502): Upstream timed out",
                status(502, "<html><body><p>Upstream <i>timed</i> out</p></body></html>", Map.of()).detail());
        assertEquals("knows no such endpoint or model (check the base URL and the model name) (HTTP 404): "
                + "The model gpt-9 does not exist", status(404, "{\"error\":{\"message\":\"The model <b>gpt-9</b> does"
                + " not exist\",\"type\":\"invalid_request_error\"}}", Map.of()).detail());
        assertEquals("failed with an internal error (HTTP 500): upstream connect error or disconnect/reset before"
                + " headers", status(500, "upstream connect error or disconnect/reset before headers", Map.of())
                .detail());
        assertEquals("failed with an internal error (HTTP 500)", status(500, "", Map.of()).detail());
        assertEquals("failed with an internal error (HTTP 500)", status(500, "{\"status\":500}", Map.of()).detail(),
                "JSON without a message: no JSON quoted");
        assertEquals("failed with an internal error (HTTP 500)",
                status(500, "\u001f\u008b\u0008\u0000\u0000\u0000", Map.of()).detail(), "bytes that are not text");
        String cut = "{\"error\":{\"message\":\"context too long: " + "x".repeat(20_000) + "\"}}";
        byte[] bytes = cut.getBytes(StandardCharsets.UTF_8);
        String huge = UpstreamFailures.ofStatus(400, HttpHeaders.of(Map.of(), (a, b) -> true), bytes,
                UpstreamCall.ERROR_BODY_BYTES, null).detail();
        assertTrue(huge.startsWith("refused the request as invalid (HTTP 400): context too long: xxx"), huge);
        assertTrue(huge.length() < 300 && huge.endsWith("..."), huge);
        String bigPage = "<html><head><title>Too big</title></head><body>" + "<p>x</p>".repeat(5000);
        byte[] pageBytes = bigPage.getBytes(StandardCharsets.UTF_8);
        assertEquals("refused the request as too large (the conversation may be too long) (HTTP 413): Too big",
                UpstreamFailures.ofStatus(413, HttpHeaders.of(Map.of(), (a, b) -> true), pageBytes,
                        UpstreamCall.ERROR_BODY_BYTES, null).detail());
        for (int s : new int[] {400, 401, 402, 404, 418, 500, 503, 504, 529, 599}) {
            String detail = status(s, "<html><body><p>Error " + s + "</p></body></html>", Map.of()).detail();
            assertFalse(detail.contains("<") || detail.contains(">") || detail.contains("&"), detail);
            assertTrue(detail.contains("HTTP " + s), detail);
        }
    }

    @Test
    void exceptions() {
        Duration ten = Duration.ofSeconds(10);
        assertEquals(new UpstreamFailures.Failure(ErrorCode.UPSTREAM_TIMEOUT,
                "could not connect within 10 s (chat.upstream.connect-timeout-seconds)"),
                UpstreamFailures.of(new CompletionException(new HttpConnectTimeoutException("x")), ten));
        assertEquals("could not connect (connection refused)",
                UpstreamFailures.of(new ConnectException(), ten).detail());
        ConnectException unknownHost = new ConnectException("x");
        unknownHost.initCause(new UnresolvedAddressException());
        assertEquals("could not connect (unknown host)", UpstreamFailures.of(unknownHost, ten).detail());
        assertEquals(new UpstreamFailures.Failure(ErrorCode.UPSTREAM_ERROR, "the connection broke (Connection reset)"),
                UpstreamFailures.of(new IOException("Connection reset"), ten));
    }
}
