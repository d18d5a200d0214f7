package io.chatstream.web;

import io.chatstream.config.ChatConfig;
import io.chatstream.protocol.ApiError;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.Principal;
import java.util.HexFormat;
import java.util.List;

/**
 * The one place a request to the API is let in: who the caller is ({@code chat.auth.mode}) and which client its
 * streams count against (the principal, else the remote address; {@code X-Forwarded-For} only from
 * {@code chat.limits.trusted-proxies}).
 */
final class ApiGate {

    /** Who is asking. {@code principal} is null when auth is off. */
    record Caller(String principal, String clientKey) {
    }

    private final ChatConfig config;
    private final byte[][] tokens;

    ApiGate(ChatConfig config) {
        this.config = config;
        this.tokens = config.authTokens().stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    }

    boolean authEnabled() {
        return config.authMode() != ChatConfig.AuthMode.NONE;
    }

    /**
     * The caller, or 401 when auth is on and the request does not carry it; in token mode the 401 carries the
     * {@code WWW-Authenticate: Bearer} challenge of RFC 6750.
     */
    Caller admit(HttpServletRequest req, HttpServletResponse resp) throws ApiError {
        String principal = switch (config.authMode()) {
            case NONE -> null;
            case TOKEN -> tokenPrincipal(req, resp);
            case CONTAINER -> {
                Principal p = req.getUserPrincipal();
                if (p == null || p.getName() == null) {
                    throw new ApiError(401, "unauthorized", "Log in first.");
                }
                yield "user:" + p.getName();
            }
        };
        return new Caller(principal, principal != null ? principal : clientAddress(req));
    }

    private String tokenPrincipal(HttpServletRequest req, HttpServletResponse resp) throws ApiError {
        String header = req.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"chat\"");
            throw new ApiError(401, "unauthorized", "Send Authorization: Bearer <token>.");
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        for (byte[] t : tokens) {
            if (MessageDigest.isEqual(t, given)) {
                // the principal names the token by a digest: the token itself is kept out of memory dumps of keys
                return "token:" + HexFormat.of().formatHex(sha256(t), 0, 8);
            }
        }
        resp.setHeader("WWW-Authenticate", "Bearer realm=\"chat\", error=\"invalid_token\"");
        throw new ApiError(401, "unauthorized", "The bearer token is not accepted.");
    }

    /** The remote address, or the nearest untrusted address of {@code X-Forwarded-For} from a trusted proxy. */
    String clientAddress(HttpServletRequest req) {
        String remote = req.getRemoteAddr();
        List<String> trusted = config.trustedProxies();
        if (trusted.isEmpty() || !trusted.contains(remote)) {
            return remote;
        }
        String xff = req.getHeader("X-Forwarded-For");
        if (xff == null || xff.isBlank()) {
            return remote;
        }
        String[] hops = xff.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (!hop.isEmpty() && !trusted.contains(hop)) {
                return hop.length() > 64 ? hop.substring(0, 64) : hop;
            }
        }
        return remote;
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
