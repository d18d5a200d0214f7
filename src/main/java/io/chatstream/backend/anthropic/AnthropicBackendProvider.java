package io.chatstream.backend.anthropic;

import io.chatstream.backend.BackendContext;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.backend.upstream.BaseUrls;
import io.chatstream.config.Settings;

import java.lang.System.Logger.Level;
import java.net.URI;

/**
 * {@code chat.backend=anthropic}: Anthropic's Messages API. Settings: {@code chat.anthropic.base-url} (default
 * {@code https://api.anthropic.com/v1}), {@code chat.anthropic.api-key}, {@code chat.anthropic.model} (none:
 * requests must then name their model), {@code chat.anthropic.max-tokens} (default 4096, from 1 to 1000000),
 * {@code chat.anthropic.thinking-budget} (default 0: no extended thinking; else at least 1024 and below
 * {@code chat.anthropic.max-tokens}, as the API requires).
 */
public final class AnthropicBackendProvider implements ChatBackendProvider {

    static final String DEFAULT_BASE_URL = "https://api.anthropic.com/v1";
    static final int DEFAULT_MAX_TOKENS = 4096;

    private static final System.Logger LOG = System.getLogger(AnthropicBackendProvider.class.getName());

    @Override
    public String name() {
        return "anthropic";
    }

    @Override
    public ChatBackend create(BackendContext context) {
        Settings s = context.settings();
        URI baseUrl = BaseUrls.endpoint(s, "chat.anthropic.base-url", DEFAULT_BASE_URL, "");
        int maxTokens = s.integer("chat.anthropic.max-tokens", DEFAULT_MAX_TOKENS, 1, 1_000_000);
        int budget = s.integer("chat.anthropic.thinking-budget", 0, 0, 1_000_000);
        if (budget != 0 && (budget < AnthropicBackend.MIN_THINKING_BUDGET || budget >= maxTokens)) {
            throw s.invalid("chat.anthropic.thinking-budget", "0 (no extended thinking), or from "
                    + AnthropicBackend.MIN_THINKING_BUDGET + " to below chat.anthropic.max-tokens (" + maxTokens + ")");
        }
        AnthropicBackend backend = new AnthropicBackend(context, baseUrl, s.string("chat.anthropic.api-key", null),
                s.string("chat.anthropic.model", null), maxTokens, budget);
        LOG.log(Level.INFO, "Chat backend: " + backend);
        return backend;
    }
}
