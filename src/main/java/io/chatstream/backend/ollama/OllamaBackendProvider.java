package io.chatstream.backend.ollama;

import io.chatstream.backend.BackendContext;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.backend.upstream.BaseUrls;
import io.chatstream.config.Settings;

import java.lang.System.Logger.Level;
import java.net.URI;

/**
 * {@code chat.backend=ollama}: an Ollama server's native API. Settings: {@code chat.ollama.base-url} (default
 * {@code http://localhost:11434}), {@code chat.ollama.model} (none: requests must then name their model).
 */
public final class OllamaBackendProvider implements ChatBackendProvider {

    static final String DEFAULT_BASE_URL = "http://localhost:11434";

    private static final System.Logger LOG = System.getLogger(OllamaBackendProvider.class.getName());

    @Override
    public String name() {
        return "ollama";
    }

    @Override
    public ChatBackend create(BackendContext context) {
        Settings s = context.settings();
        URI endpoint = BaseUrls.endpoint(s, "chat.ollama.base-url", DEFAULT_BASE_URL, OllamaBackend.CHAT_PATH);
        OllamaBackend backend = new OllamaBackend(context, endpoint, s.string("chat.ollama.model", null));
        LOG.log(Level.INFO, "Chat backend: " + backend);
        return backend;
    }
}
