package io.chatstream.backend.upstream;

import java.net.URI;
import java.util.Objects;

/**
 * A checked base URL that keeps its query: the paths of a provider's endpoints are appended to its path and the
 * query follows them. Azure OpenAI needs this, its version being a query parameter:
 * <pre>
 * https://res.openai.azure.com/openai/deployments/gpt-4o?api-version=2024-10-21
 *   + /chat/completions  -&gt;  https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21
 * </pre>
 * Made by {@link BaseUrls#base}.
 *
 * @param base  scheme, authority and path, without a trailing slash
 * @param query the raw query without its {@code ?}, or null
 */
public record BaseUrl(String base, String query) {

    public BaseUrl {
        Objects.requireNonNull(base, "base");
    }

    /** The URL of {@code path} (e.g. {@code /models}) under this base, with the base's query. */
    public URI resolve(String path) {
        return URI.create(base + path + (query == null ? "" : "?" + query));
    }

    @Override
    public String toString() {
        return base + (query == null ? "" : "?" + query);
    }
}
