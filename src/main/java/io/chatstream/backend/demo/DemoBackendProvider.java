package io.chatstream.backend.demo;

import io.chatstream.backend.BackendContext;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.config.Settings;

/** {@code chat.backend=demo}: settings {@code chat.demo.tokens-per-second} and {@code chat.demo.reply-tokens}. */
public final class DemoBackendProvider implements ChatBackendProvider {

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public ChatBackend create(BackendContext context) {
        Settings s = context.settings();
        return new DemoBackend(context.scheduler(),
                s.decimal("chat.demo.tokens-per-second", 20, 0, 1_000_000),
                s.integer("chat.demo.reply-tokens", 0, 0, 10_000_000));
    }
}
