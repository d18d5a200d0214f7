package com.example.gateway;

import io.chatstream.backend.BackendContext;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.config.Settings;

import java.net.URI;

/**
 * {@code chat.backend=gateway}. Settings: {@code chat.gateway.url} (required), {@code chat.gateway.token} (sent as
 * {@code X-Api-Token}; never shown), {@code chat.gateway.model} (default {@code house-model}).
 *
 * <p>Found by {@link java.util.ServiceLoader} through the file
 * {@code META-INF/services/io.chatstream.backend.ChatBackendProvider} of this jar, which names this class.
 */
public final class GatewayBackendProvider implements ChatBackendProvider {

    @Override
    public String name() {
        return "gateway";
    }

    @Override
    public ChatBackend create(BackendContext context) {
        Settings s = context.settings();
        String url = s.string("chat.gateway.url", "");
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            // a ConfigException naming the setting stops start-up with a clear message
            throw s.invalid("chat.gateway.url", "the http:// or https:// URL of the gateway's chat endpoint");
        }
        return new GatewayBackend(context, URI.create(url), s.string("chat.gateway.token", null),
                s.string("chat.gateway.model", "house-model"));
    }
}
