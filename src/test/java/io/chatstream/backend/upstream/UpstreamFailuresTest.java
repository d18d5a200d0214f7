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
        assertEquals(new UpstreamFailures.Failure(ErrorCode.UPSTREAM_ERROR, "answered HTTP 503: Service Unavailable"),
                status(503, "Service Unavailable\n", Map.of()));
        assertEquals(new UpstreamFailures.Failure(ErrorCode.UPSTREAM_ERROR, "answered HTTP 422: messages: required"),
                status(422, "{\"detail\":\"messages: required\"}", Map.of()));
        assertEquals("answered HTTP 301, a redirect to https://x/v1, which is not followed: check the base URL",
                status(301, "", Map.of("Location", List.of("https://x/v1"))).detail());
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
