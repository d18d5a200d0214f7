package io.chatstream.backend.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.event.ErrorCode;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What an upstream failure means for a client: its {@link ErrorCode} and a message for operators. */
final class UpstreamFailures {

    /** The title of an HTML error page (proxies and gateways send those): more telling than its markup. */
    private static final Pattern HTML_TITLE = Pattern.compile("(?is)<title>([^<]{1,300})</title>");

    /** @param detail what happened, without the upstream's name (the call adds it) */
    record Failure(ErrorCode code, String detail) {
    }

    private UpstreamFailures() {
    }

    /**
     * An HTTP status other than 2xx. 401 and 403 are {@code upstream_auth}; 429, and 529 (Anthropic's "overloaded":
     * likewise a "try again later"), {@code upstream_rate_limited} with its {@code Retry-After}; everything else
     * {@code upstream_error}. The message quotes the error body's message.
     */
    static Failure ofStatus(int status, HttpHeaders headers, byte[] body, int length, String authHint) {
        String excerpt = excerpt(body, length);
        String quoted = excerpt.isEmpty() ? "" : ": " + excerpt;
        if (status == 401 || status == 403) {
            return new Failure(ErrorCode.UPSTREAM_AUTH, "refused the request (HTTP " + status + ")" + quoted
                    + (authHint == null ? "" : ". " + authHint));
        }
        if (status == 429 || status == 529) {
            String retryAfter = headers.firstValue("Retry-After").map(Snippets::of).orElse(null);
            return new Failure(ErrorCode.UPSTREAM_RATE_LIMITED, (status == 429 ? "rate limit reached" : "overloaded")
                    + " (HTTP " + status + (retryAfter == null ? ", no Retry-After" : ", Retry-After: " + retryAfter)
                    + ")" + quoted);
        }
        if (status >= 300 && status < 400) {
            String location = headers.firstValue("Location").map(Snippets::of).orElse("nowhere");
            return new Failure(ErrorCode.UPSTREAM_ERROR, "answered HTTP " + status + ", a redirect to " + location
                    + ", which is not followed: check the base URL");
        }
        return new Failure(ErrorCode.UPSTREAM_ERROR, "answered HTTP " + status + quoted);
    }

    /** A failed exchange: the HTTP client's exception, wrapped or not. */
    static Failure of(Throwable failure, Duration connectTimeout) {
        Throwable t = unwrap(failure);
        if (t instanceof HttpConnectTimeoutException) {
            return new Failure(ErrorCode.UPSTREAM_TIMEOUT, "could not connect within " + connectTimeout.toSeconds()
                    + " s (chat.upstream.connect-timeout-seconds)");
        }
        if (t instanceof HttpTimeoutException) {
            return new Failure(ErrorCode.UPSTREAM_TIMEOUT, "timed out");
        }
        if (t instanceof ConnectException) {
            return new Failure(ErrorCode.UPSTREAM_ERROR, "could not connect (" + reason(t, "connection refused") + ")");
        }
        if (t instanceof SSLException) {
            return new Failure(ErrorCode.UPSTREAM_ERROR, "TLS failed (" + reason(t, "handshake failed") + ")");
        }
        if (t instanceof IOException) {
            return new Failure(ErrorCode.UPSTREAM_ERROR, "the connection broke (" + reason(t, "closed") + ")");
        }
        return new Failure(ErrorCode.UPSTREAM_ERROR, "the call failed (" + t.getClass().getSimpleName() + ")");
    }

    /** The error body's own message when it is a JSON error object, else its text; one short line. */
    static String excerpt(byte[] body, int length) {
        if (length == 0) {
            return "";
        }
        String text = new String(body, 0, length, StandardCharsets.UTF_8);
        try {
            JsonNode node = Json.MAPPER.readTree(text);
            if (node != null && node.isObject()) {
                String message = Json.errorMessage(node);
                if (message != null) {
                    return Snippets.of(message);
                }
            }
        } catch (IOException e) {
            // not JSON (or cut at the read limit): quote the text
        }
        Matcher title = HTML_TITLE.matcher(text);
        return Snippets.of(title.find() ? title.group(1) : text);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The first message along the cause chain, else {@code fallback}; an unknown host says so. */
    private static String reason(Throwable t, String fallback) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof UnresolvedAddressException) {
                return "unknown host";
            }
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                return Snippets.of(c.getMessage());
            }
        }
        return fallback;
    }
}
