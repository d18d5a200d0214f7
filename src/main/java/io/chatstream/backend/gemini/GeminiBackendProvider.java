package io.chatstream.backend.gemini;

import io.chatstream.backend.BackendContext;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.backend.upstream.BaseUrls;
import io.chatstream.config.Settings;

import java.lang.System.Logger.Level;
import java.net.URI;

/**
 * {@code chat.backend=gemini}: Google's Gemini API. Settings: {@code chat.gemini.base-url} (default
 * {@code https://generativelanguage.googleapis.com/v1beta}), {@code chat.gemini.api-key}, {@code chat.gemini.model}
 * (none: requests must then name their model), {@code chat.gemini.include-thoughts} (default {@code false};
 * {@code true} asks thinking models for their thought summaries, streamed as {@code reasoning}).
 */
public final class GeminiBackendProvider implements ChatBackendProvider {

    static final String DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta";

    private static final System.Logger LOG = System.getLogger(GeminiBackendProvider.class.getName());

    @Override
    public String name() {
        return "gemini";
    }

    @Override
    public ChatBackend create(BackendContext context) {
        Settings s = context.settings();
        URI baseUrl = BaseUrls.endpoint(s, "chat.gemini.base-url", DEFAULT_BASE_URL, "");
        GeminiBackend backend = new GeminiBackend(context, baseUrl, s.string("chat.gemini.api-key", null),
                s.string("chat.gemini.model", null), s.bool("chat.gemini.include-thoughts", false));
        LOG.log(Level.INFO, "Chat backend: " + backend);
        return backend;
    }
}
