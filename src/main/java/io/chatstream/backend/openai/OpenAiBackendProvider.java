package io.chatstream.backend.openai;

import io.chatstream.backend.BackendContext;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.backend.upstream.BaseUrls;
import io.chatstream.config.Settings;

import java.lang.System.Logger.Level;
import java.net.URI;

/**
 * {@code chat.backend=openai}: any OpenAI-compatible server. Settings: {@code chat.openai.base-url} (default
 * {@code https://api.openai.com/v1}), {@code chat.openai.api-key} (none; servers that need no key work without),
 * {@code chat.openai.model} (none: requests must then name their model).
 */
public final class OpenAiBackendProvider implements ChatBackendProvider {

    static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";

    private static final System.Logger LOG = System.getLogger(OpenAiBackendProvider.class.getName());

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public ChatBackend create(BackendContext context) {
        Settings s = context.settings();
        URI endpoint = BaseUrls.endpoint(s, "chat.openai.base-url", DEFAULT_BASE_URL, "/chat/completions");
        String apiKey = s.string("chat.openai.api-key", null);
        String model = s.string("chat.openai.model", null);
        OpenAiBackend backend = new OpenAiBackend(context, endpoint, apiKey, model);
        LOG.log(Level.INFO, "Chat backend: " + backend);
        return backend;
    }
}
