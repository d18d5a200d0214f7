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
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw settings.invalid(name, expected);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw settings.invalid(name, expected);
        }
        String base = value.strip();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base.endsWith(path) ? base : base + path);
    }
}
