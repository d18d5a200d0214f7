package io.chatstream.backend.gemini;

import io.chatstream.app.ChatApplication;
import io.chatstream.backend.testing.TestBackendContext;
import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeminiBackendProviderTest {

    private static final String KEY = "AIzaSyProviderTest5f4e3d2c1b";

    private static GeminiBackend create(Map<String, String> settings) {
        try (TestBackendContext context = new TestBackendContext(settings, Duration.ofSeconds(10))) {
            return (GeminiBackend) new GeminiBackendProvider().create(context);
        }
    }

    @Test
    void defaults() {
        GeminiBackend backend = create(Map.of());
        assertEquals(URI.create("https://generativelanguage.googleapis.com/v1beta"), backend.baseUrl());
        assertEquals(URI.create("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
                + ":streamGenerateContent?alt=sse"), backend.endpoint("gemini-2.5-flash"));
        assertEquals("", backend.defaultModel());
    }

    @Test
    void settingsAreRead() {
        GeminiBackend backend = create(Map.of("chat.gemini.base-url", "https://gateway.example.com/gemini/v1beta/",
                "chat.gemini.api-key", KEY, "chat.gemini.model", "models/gemini-2.5-pro",
                "chat.gemini.include-thoughts", "true"));
        assertEquals(URI.create("https://gateway.example.com/gemini/v1beta"), backend.baseUrl());
        assertEquals("gemini-2.5-pro", backend.defaultModel());
        assertFalse(backend.toString().contains(KEY), backend.toString());
        assertTrue(backend.toString().contains("thoughts included"), backend.toString());
    }

    @Test
    void badSettingsStopStartUpNamingThem() {
        ConfigException url = assertThrows(ConfigException.class,
                () -> create(Map.of("chat.gemini.base-url", "https://x.example.com/v1beta?key=1")));
        assertTrue(url.getMessage().contains("chat.gemini.base-url"), url.getMessage());
        ConfigException thoughts = assertThrows(ConfigException.class,
                () -> create(Map.of("chat.gemini.include-thoughts", "yes please")));
        assertTrue(thoughts.getMessage().contains("chat.gemini.include-thoughts"), thoughts.getMessage());
    }

    @Test
    void applicationStartsWithTheGeminiBackend() {
        try (ChatApplication app = ChatApplication.start(Settings.of(Map.of("chat.backend", "gemini",
                "chat.gemini.api-key", KEY, "chat.gemini.model", "gemini-2.5-flash",
                "chat.store.url", "off")), List.of())) {
            assertEquals("gemini", app.backendName());
            assertEquals("gemini-2.5-flash", app.backend().defaultModel());
        }
    }
}
