package io.chatstream.backend.anthropic;

import io.chatstream.app.ChatApplication;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.backend.testing.TestBackendContext;
import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicBackendProviderTest {

    private static final String KEY = "sk-ant-provider-test-5f4e3d2c1b";

    private static AnthropicBackend create(Map<String, String> settings) {
        try (TestBackendContext context = new TestBackendContext(settings, Duration.ofSeconds(10))) {
            return (AnthropicBackend) new AnthropicBackendProvider().create(context);
        }
    }

    @Test
    void foundByServiceLoader() {
        Set<String> names = ServiceLoader.load(ChatBackendProvider.class).stream()
                .map(p -> p.get().name()).collect(Collectors.toSet());
        assertTrue(names.containsAll(Set.of("anthropic", "gemini")), names.toString());
    }

    @Test
    void defaults() {
        AnthropicBackend backend = create(Map.of());
        assertEquals(URI.create("https://api.anthropic.com/v1/messages"), backend.endpoint());
        assertEquals("", backend.defaultModel());
        assertEquals(4096, backend.maxTokens());
        assertEquals(0, backend.thinkingBudget());
    }

    @Test
    void settingsAreRead() {
        AnthropicBackend backend = create(Map.of("chat.anthropic.base-url", "https://gateway.example.com/anthropic/v1/",
                "chat.anthropic.api-key", KEY, "chat.anthropic.model", "claude-opus-4-1",
                "chat.anthropic.max-tokens", "16000", "chat.anthropic.thinking-budget", "10000"));
        assertEquals(URI.create("https://gateway.example.com/anthropic/v1/messages"), backend.endpoint());
        assertEquals("claude-opus-4-1", backend.defaultModel());
        assertEquals(16000, backend.maxTokens());
        assertEquals(10000, backend.thinkingBudget());
        assertFalse(backend.toString().contains(KEY), backend.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "1023", "4096", "5000", "-1", "lots"})
    void aThinkingBudgetTheApiWouldRefuseStopsStartUpNamingTheSetting(String budget) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> create(Map.of("chat.anthropic.thinking-budget", budget)));
        assertTrue(e.getMessage().contains("chat.anthropic.thinking-budget"), e.getMessage());
    }

    @Test
    void theSmallestThinkingBudgetIsAccepted() {
        assertEquals(1024, create(Map.of("chat.anthropic.thinking-budget", "1024")).thinkingBudget());
    }

    @Test
    void badMaxTokensOrBaseUrlStopsStartUpNamingTheSetting() {
        ConfigException tokens = assertThrows(ConfigException.class,
                () -> create(Map.of("chat.anthropic.max-tokens", "0")));
        assertTrue(tokens.getMessage().contains("chat.anthropic.max-tokens"), tokens.getMessage());
        ConfigException url = assertThrows(ConfigException.class,
                () -> create(Map.of("chat.anthropic.base-url", "api.anthropic.com/v1")));
        assertTrue(url.getMessage().contains("chat.anthropic.base-url"), url.getMessage());
    }

    @Test
    void applicationStartsWithTheAnthropicBackend() {
        try (ChatApplication app = ChatApplication.start(Settings.of(Map.of("chat.backend", "anthropic",
                "chat.anthropic.api-key", KEY, "chat.anthropic.model", "claude-sonnet-4-5", "chat.store.url", "off")),
                List.of())) {
            assertEquals("anthropic", app.backendName());
            ChatBackend backend = app.backend();
            assertEquals("claude-sonnet-4-5", backend.defaultModel());
        }
    }
}
