package io.chatstream.web;

import io.chatstream.config.AddressRange;
import io.chatstream.config.ChatConfig;
import io.chatstream.protocol.ApiError;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.Principal;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;

/**
 * Who the caller is: its principal ({@code chat.auth.mode}; {@code 401} when it does not show one) and the client
 * its streams and limits count against: the principal, else the client's address. The second of three admissions:
 * which origins may call is {@link CorsFilter}'s, decided before; whether a new generation may start is the stream
 * registry's, decided after (with the limits on new replies asked first, by {@link StreamOpener}).
 *
 * <p>The client's address is the connection's remote address, unless that is one of
 * {@code chat.limits.trusted-proxies}: then {@code X-Forwarded-For} is read from the right (the hop the nearest
 * proxy appended) past every trusted proxy, and the first address that is not one is the client. Hops a client
 * wrote itself stand left of that and are never reached, so a made-up header neither escapes a limit nor spends
 * another client's. A hop that is no IP literal ({@code unknown}, a name, garbage) stops the walk: the request then
 * counts against the last trusted address. With no trusted proxies the header is ignored.
 */
final class ApiGate {

    /** Who is asking. {@code principal} is null when auth is off. */
    record Caller(String principal, String clientKey) {
    }

    private final ChatConfig config;
    private final byte[][] tokens;
    private final List<AddressRange> trustedProxies;

    ApiGate(ChatConfig config) {
        this.config = config;
        this.tokens = config.authTokens().stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        this.trustedProxies = config.trustedProxies().stream().map(AddressRange::parse).toList();
    }

    boolean authEnabled() {
        return config.authMode() != ChatConfig.AuthMode.NONE;
    }

    /** The caller, or 401 when auth is on and the request does not carry it (then see {@link #challenge}). */
    Caller admit(HttpServletRequest req) throws ApiError {
        String principal = switch (config.authMode()) {
            case NONE -> null;
            case TOKEN -> tokenPrincipal(req);
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

    /**
     * Answers {@code error}; a 401 in token mode carries the challenge of RFC 6750,
     * {@code WWW-Authenticate: Bearer realm="chat"}, with {@code error="invalid_token"} when a bearer token was sent
     * but not accepted.
     */
    void refuse(HttpServletRequest req, HttpServletResponse resp, ApiError error) {
        if (error.status() == 401) {
            challenge(req, resp);
        }
        Responses.error(resp, error);
    }

    private void challenge(HttpServletRequest req, HttpServletResponse resp) {
        if (config.authMode() != ChatConfig.AuthMode.TOKEN) {
            return;
        }
        String header = req.getHeader("Authorization");
        boolean sent = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7);
        resp.setHeader("WWW-Authenticate", "Bearer realm=\"chat\"" + (sent ? ", error=\"invalid_token\"" : ""));
    }

    private String tokenPrincipal(HttpServletRequest req) throws ApiError {
        String header = req.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiError(401, "unauthorized", "Send Authorization: Bearer <token>.");
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        for (byte[] t : tokens) {
            if (MessageDigest.isEqual(t, given)) {
                // the principal names the token by a digest: the token itself is kept out of memory dumps of keys
                return "token:" + HexFormat.of().formatHex(sha256(t), 0, 8);
            }
        }
        throw new ApiError(401, "unauthorized", "The bearer token is not accepted.");
    }

    /** The client's address, canonical (one text per address): see the class comment. */
    String clientAddress(HttpServletRequest req) {
        String remote = req.getRemoteAddr();
        byte[] nearest = AddressRange.literal(remote);
        if (nearest == null) {
            return remote; // not an IP socket (a unix domain socket, a test double): nothing to canonicalise
        }
        if (!trusted(nearest)) {
            return AddressRange.text(nearest);
        }
        String[] hops = forwardedFor(req);
        for (int i = hops.length - 1; i >= 0; i--) {
            byte[] hop = AddressRange.literal(withoutPort(hops[i].trim()));
            if (hop == null) {
                break;
            }
            nearest = hop;
            if (!trusted(hop)) {
                break;
            }
        }
        return AddressRange.text(nearest);
    }

    private boolean trusted(byte[] address) {
        for (AddressRange r : trustedProxies) {
            if (r.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** Every hop of every {@code X-Forwarded-For} header line, in order. */
    private static String[] forwardedFor(HttpServletRequest req) {
        Enumeration<String> lines = req.getHeaders("X-Forwarded-For");
        if (lines == null || !lines.hasMoreElements()) {
            return new String[0];
        }
        StringBuilder all = new StringBuilder();
        while (lines.hasMoreElements()) {
            all.append(lines.nextElement()).append(',');
        }
        return all.toString().split(",");
    }

    /** {@code 203.0.113.5:41234} -> {@code 203.0.113.5}; {@code [2001:db8::1]:443} -> {@code [2001:db8::1]}. */
    private static String withoutPort(String hop) {
        if (hop.startsWith("[")) {
            int close = hop.indexOf(']');
            return close < 0 ? hop : hop.substring(0, close + 1);
        }
        int colon = hop.indexOf(':');
        return colon > 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop;
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
