package io.chatstream.backend.upstream;

import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Reads and checks the base-URL settings of the HTTP backends. */
public final class BaseUrls {

    private BaseUrls() {
    }

    /**
     * The endpoint under the base URL of setting {@code name}: {@code path} appended, unless the URL already ends
     * with it (people paste either form).
     *
     * @param path e.g. {@code /chat/completions}
     * @throws ConfigException the value is not an absolute {@code http} or {@code https} URL with a host and no
     *                         query or fragment
     */
    public static URI endpoint(Settings settings, String name, String defaultValue, String path) {
        String value = settings.string(name, defaultValue);
        String expected = "an http:// or https:// URL with a host and no query, e.g. " + defaultValue;
        if (httpUrl(settings, name, value, expected).getRawQuery() != null) {
            throw settings.invalid(name, expected);
        }
        String base = value.strip();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base.endsWith(path) ? base : base + path);
    }

    /**
     * The base URL of setting {@code name}, query allowed and kept (Azure's {@code ?api-version=...}), for a backend
     * that calls several endpoints under it. A value that already ends with one of {@code endpointPaths} (people
     * paste the URL of an endpoint) is cut back to its base.
     *
     * @param endpointPaths e.g. {@code /chat/completions}
     * @throws ConfigException the value is not an absolute {@code http} or {@code https} URL with a host, or it has
     *                         user info or a fragment
     */
    public static BaseUrl base(Settings settings, String name, String defaultValue, String... endpointPaths) {
        String value = settings.string(name, defaultValue).strip();
        String expected = "an http:// or https:// URL with a host, e.g. " + defaultValue;
        httpUrl(settings, name, value, expected);
        int q = value.indexOf('?');
        String query = q < 0 || q == value.length() - 1 ? null : value.substring(q + 1);
        String base = q < 0 ? value : value.substring(0, q);
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        for (String path : endpointPaths) {
            if (base.endsWith(path)) {
                base = base.substring(0, base.length() - path.length());
                break;
            }
        }
        return new BaseUrl(base, query);
    }

    /**
     * {@code value} as an absolute {@code http} or {@code https} URL with a host and neither user info nor fragment.
     *
     * @throws ConfigException it is not, saying that setting {@code name} should be {@code expected}
     */
    private static URI httpUrl(Settings settings, String name, String value, String expected) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw settings.invalid(name, expected);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw settings.invalid(name, expected);
        }
        return uri;
    }
}
