package io.chatstream.backend.openai;

import io.chatstream.app.ChatApplication;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.backend.BackendUnavailableException;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.testing.TestBackendContext;
import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import org.junit.jupiter.api.Test;

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

class OpenAiBackendProviderTest {

    private static final String KEY = "sk-provider-test-5f4e3d2c1b";

    private static ChatBackend create(Map<String, String> settings) {
        try (TestBackendContext context = new TestBackendContext(settings, Duration.ofSeconds(10))) {
            return new OpenAiBackendProvider().create(context);
        }
    }

    @Test
    void builtInBackendsAreFoundByServiceLoader() {
        Set<String> names = ServiceLoader.load(ChatBackendProvider.class).stream()
                .map(p -> p.get().name()).collect(Collectors.toSet());
        assertTrue(names.containsAll(Set.of("demo", "openai", "ollama")), names.toString());
    }

    @Test
    void defaults() throws Exception {
        OpenAiBackend backend = (OpenAiBackend) create(Map.of());
        assertEquals(URI.create("https://api.openai.com/v1/chat/completions"), backend.endpoint());
        assertEquals("", backend.defaultModel());
    }

    @Test
    void settingsAreRead() throws Exception {
        OpenAiBackend backend = (OpenAiBackend) create(Map.of("chat.openai.base-url", "https://api.deepseek.com",
                "chat.openai.api-key", KEY, "chat.openai.model", "deepseek-reasoner"));
        assertEquals(URI.create("https://api.deepseek.com/chat/completions"), backend.endpoint());
        assertEquals("deepseek-reasoner", backend.defaultModel());
        assertFalse(backend.toString().contains(KEY), backend.toString());
    }

    @Test
    void apiAndAuthHeaderAreRead() throws Exception {
        OpenAiBackend backend = (OpenAiBackend) create(Map.of("chat.openai.api", "responses",
                "chat.openai.base-url", "https://res.openai.azure.com/openai/v1?api-version=preview",
                "chat.openai.auth-header", "api-key", "chat.openai.api-key", KEY));
        assertEquals(OpenAiBackend.Api.RESPONSES, backend.api());
        assertEquals(URI.create("https://res.openai.azure.com/openai/v1/responses?api-version=preview"),
                backend.endpoint());
        assertTrue(backend.toString().contains("api-key header"), backend.toString());
        assertEquals(OpenAiBackend.Api.CHAT_COMPLETIONS, ((OpenAiBackend) create(Map.of())).api());
    }

    @Test
    void badApiOrAuthHeaderStopsStartUpNamingTheSetting() {
        for (Map<String, String> bad : List.of(Map.of("chat.openai.api", "completions"),
                Map.of("chat.openai.api", "assistants"), Map.of("chat.openai.auth-header", "basic"),
                Map.of("chat.openai.auth-header", "x-api-key"))) {
            String name = bad.keySet().iterator().next();
            ConfigException e = assertThrows(ConfigException.class, () -> create(bad), bad.toString());
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
        ConfigException e = assertThrows(ConfigException.class, () -> ChatApplication.start(Settings.of(Map.of(
                "chat.backend", "openai", "chat.openai.api", "respones")), List.of()));
        assertTrue(e.getMessage().contains("chat.openai.api"), e.getMessage());
    }

    @Test
    void withoutAnyModelARequestIsRefusedAndNoStreamStarts() throws Exception {
        try (ChatApplication app = ChatApplication.start(Settings.of(Map.of("chat.backend", "openai",
                "chat.openai.base-url", "http://127.0.0.1:9/v1", "chat.store.url", "off")), List.of())) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> app.registry().open(ChatRequest.of("hi"), "client", null, null));
            assertTrue(e.getMessage().contains("chat.openai.model"), e.getMessage());
            assertEquals(0, app.registry().running());
        }
    }

    @Test
    void badBaseUrlStopsStartUpNamingTheSetting() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> create(Map.of("chat.openai.base-url", "api.openai.com/v1")));
        assertTrue(e.getMessage().contains("chat.openai.base-url"), e.getMessage());
    }

    @Test
    void applicationStartsWithTheOpenAiBackendAndFailsOnABadSetting() {
        try (ChatApplication app = ChatApplication.start(Settings.of(Map.of("chat.backend", "openai",
                "chat.openai.api-key", KEY, "chat.openai.model", "gpt-4o-mini", "chat.store.url", "off")),
                List.of())) {
            assertEquals("openai", app.backendName());
            assertEquals("gpt-4o-mini", app.backend().defaultModel());
        }
        ConfigException e = assertThrows(ConfigException.class, () -> ChatApplication.start(Settings.of(Map.of(
                "chat.backend", "ollama", "chat.ollama.base-url", "localhost:11434")), List.of()));
        assertTrue(e.getMessage().contains("chat.ollama.base-url"), e.getMessage());
    }
}
