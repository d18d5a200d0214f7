package io.chatstream.backend.openai;

import io.chatstream.backend.BackendContext;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.backend.upstream.BaseUrl;
import io.chatstream.backend.upstream.BaseUrls;
import io.chatstream.config.Settings;

import java.lang.System.Logger.Level;

/**
 * {@code chat.backend=openai}: any OpenAI-compatible server. Settings: {@code chat.openai.base-url} (default
 * {@code https://api.openai.com/v1}; a query such as Azure's {@code ?api-version=...} is kept on every path),
 * {@code chat.openai.api-key} (none; servers that need no key work without), {@code chat.openai.model} (none:
 * requests must then name their model), {@code chat.openai.api} ({@code chat-completions}, the default, or
 * {@code responses}), {@code chat.openai.auth-header} ({@code bearer}, the default, or {@code api-key} for Azure
 * OpenAI). A bad value of any stops start-up naming the setting.
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
        BaseUrl base = BaseUrls.base(s, "chat.openai.base-url", DEFAULT_BASE_URL,
                OpenAiBackend.Api.CHAT_COMPLETIONS.path(), OpenAiBackend.Api.RESPONSES.path());
        OpenAiBackend.Api api = s.option("chat.openai.api", OpenAiBackend.Api.CHAT_COMPLETIONS);
        OpenAiBackend.AuthHeader authHeader = s.option("chat.openai.auth-header", OpenAiBackend.AuthHeader.BEARER);
        String apiKey = s.string("chat.openai.api-key", null);
        String model = s.string("chat.openai.model", null);
        OpenAiBackend backend = new OpenAiBackend(context, base, apiKey, model, api, authHeader);
        LOG.log(Level.INFO, "Chat backend: " + backend);
        return backend;
    }
}
