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
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What an upstream failure means for a client: its {@link ErrorCode} and a message for operators. */
final class UpstreamFailures {

    /** The {@code "message"} of a JSON error body cut off at the read limit, so that it does not parse. */
    private static final Pattern CUT_JSON_MESSAGE =
            Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.){1,500})");
    /** What is left of a body that only restates the status: {@code 502 Bad Gateway}, {@code Error 503}. */
    private static final Pattern NOT_LETTERS = Pattern.compile("[^a-z]+");

    /** @param detail what happened, without the upstream's name (the call adds it) */
    record Failure(ErrorCode code, String detail) {
    }

    private UpstreamFailures() {
    }

    /**
     * An HTTP status other than 2xx. 401 and 403 are {@code upstream_auth}; 429, and 529 (Anthropic's "overloaded":
     * likewise a "try again later"), {@code upstream_rate_limited} with its {@code Retry-After}; everything else
     * {@code upstream_error}. The message says what the status means, then quotes the error body's message: a JSON
     * error's message, an HTML page's title or first heading, or the start of a text, left out when it only repeats
     * the status.
     */
    static Failure ofStatus(int status, HttpHeaders headers, byte[] body, int length, String authHint) {
        String excerpt = excerpt(body, length);
        if (restatesStatus(excerpt, status)) {
            excerpt = "";
        }
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
        return new Failure(ErrorCode.UPSTREAM_ERROR, meaning(status) + " (HTTP " + status + ")" + quoted);
    }

    /** What a status says about the upstream, in words. */
    static String meaning(int status) {
        return switch (status) {
            case 400, 422 -> "refused the request as invalid";
            case 402 -> "refused the request: payment required (check the account's credit)";
            case 404 -> "knows no such endpoint or model (check the base URL and the model name)";
            case 405 -> "does not take this request at this URL (check the base URL)";
            case 408 -> "gave up waiting for the request";
            case 413 -> "refused the request as too large (the conversation may be too long)";
            case 415 -> "refused the request's content type";
            case 500 -> "failed with an internal error";
            case 501 -> "does not support this request";
            case 502 -> "could not get an answer from the server behind it";
            case 503 -> "is unavailable or overloaded";
            case 504 -> "timed out waiting for the server behind it";
            case 529 -> "is overloaded";
            default -> status >= 400 && status < 500 ? "refused the request"
                    : status >= 500 && status < 600 ? "failed" : "answered with an unexpected status";
        };
    }

    /** True when {@code excerpt} says nothing but the status: {@code 502 Bad Gateway}, {@code Error 500}. */
    private static boolean restatesStatus(String excerpt, int status) {
        String rest = NOT_LETTERS.matcher(excerpt.toLowerCase(Locale.ROOT).replace("http", " ")
                .replace(Integer.toString(status), " ")).replaceAll("");
        String phrase = reasonPhrase(status);
        return rest.isEmpty() || rest.equals("error") || !phrase.isEmpty() && (rest.equals(phrase)
                || rest.equals(phrase + "error") || rest.equals("error" + phrase));
    }

    /** The standard reason phrase of a status, lower case and letters only; empty for others. */
    private static String reasonPhrase(int status) {
        return switch (status) {
            case 400 -> "badrequest";
            case 401 -> "unauthorized";
            case 402 -> "paymentrequired";
            case 403 -> "forbidden";
            case 404 -> "notfound";
            case 405 -> "methodnotallowed";
            case 408 -> "requesttimeout";
            case 413 -> "contenttoolarge";
            case 415 -> "unsupportedmediatype";
            case 422 -> "unprocessablecontent";
            case 429 -> "toomanyrequests";
            case 500 -> "internalservererror";
            case 501 -> "notimplemented";
            case 502 -> "badgateway";
            case 503 -> "serviceunavailable";
            case 504 -> "gatewaytimeout";
            default -> "";
        };
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

    /**
     * The error body in a few words, one short line: a JSON error's own message, an HTML page's title or first
     * heading, the start of a text; empty for an empty body, a JSON body without a message, and bytes that are not
     * text.
     */
    static String excerpt(byte[] body, int length) {
        if (length == 0) {
            return "";
        }
        String text = new String(body, 0, length, StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') >= 0 || text.indexOf('\u0000') >= 0) {
            return ""; // compressed or binary: nothing in it a person could read
        }
        String trimmed = text.strip();
        if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
            try {
                JsonNode node = Json.MAPPER.readTree(trimmed);
                String message = node != null && node.isObject() ? Json.errorMessage(node) : null;
                return message == null ? "" : Snippets.of(message);
            } catch (IOException e) {
                // cut at the read limit, or not JSON after all: its message, if one can be seen
                Matcher cut = CUT_JSON_MESSAGE.matcher(trimmed);
                if (cut.find()) {
                    return Snippets.of(cut.group(1).replace("\\\"", "\"").replace("\\n", " "));
                }
                return trimmed.startsWith("{\"") ? "" : Snippets.of(text);
            }
        }
        return Snippets.of(text);
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
