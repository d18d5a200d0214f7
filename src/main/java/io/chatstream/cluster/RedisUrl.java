package io.chatstream.cluster;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code chat.cluster.redis-url}, parsed and checked: {@code redis://[user:password@]host:port[/db]}, or
 * {@code rediss://} for TLS. {@link #toString()} masks the password, so the URL can be logged.
 *
 * @param tls      {@code rediss://}
 * @param host     host name or IP literal (IPv6 without brackets)
 * @param port     1 to 65535; 6379 when the URL names none
 * @param user     the ACL user, or null
 * @param password the password, or null; never logged
 * @param database 0 to 15 (Redis' default number of databases)
 */
public record RedisUrl(boolean tls, String host, int port, String user, String password, int database) {

    /** Parses {@code text}; throws {@link IllegalArgumentException} with a message that holds no password. */
    public static RedisUrl parse(String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL");
        }
        String scheme = uri.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
            throw new IllegalArgumentException("the scheme must be redis:// or rediss://");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("no host");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() < 0 ? 6379 : uri.getPort();
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the port must be 1 to 65535");
        }
        String user = null;
        String password = null;
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            if (colon < 0) {
                // redis://secret@host is how many providers write a password without a user
                password = decode(info);
            } else {
                user = colon == 0 ? null : decode(info.substring(0, colon));
                password = decode(info.substring(colon + 1));
            }
        }
        int database = 0;
        String path = uri.getPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            try {
                database = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the path must be a database number, such as /0");
            }
            if (database < 0 || database > 15) {
                throw new IllegalArgumentException("the database must be 0 to 15");
            }
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("no query or fragment is taken");
        }
        return new RedisUrl("rediss".equals(scheme), host, port, user, password, database);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The URL with {@code ***} for the password. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(tls ? "rediss://" : "redis://");
        if (user != null || password != null) {
            if (user != null) {
                b.append(user);
            }
            if (password != null) {
                b.append(user != null ? ":" : "").append("***");
            }
            b.append('@');
        }
        b.append(host.indexOf(':') >= 0 ? "[" + host + "]" : host).append(':').append(port).append('/')
                .append(database);
        return b.toString();
    }
}
