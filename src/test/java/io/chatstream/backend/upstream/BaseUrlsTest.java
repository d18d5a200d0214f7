package io.chatstream.backend.upstream;

import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BaseUrlsTest {

    private static URI endpoint(String value) {
        Settings s = value == null ? Settings.of(Map.of()) : Settings.of(Map.of("chat.x.base-url", value));
        return BaseUrls.endpoint(s, "chat.x.base-url", "https://api.example.com/v1", "/chat/completions");
    }

    @Test
    void defaultAndAppendedPath() {
        assertEquals(URI.create("https://api.example.com/v1/chat/completions"), endpoint(null));
        assertEquals(URI.create("http://localhost:8000/v1/chat/completions"), endpoint("http://localhost:8000/v1/"));
    }

    @Test
    void fullEndpointIsKept() {
        assertEquals(URI.create("https://h/v1/chat/completions"), endpoint("https://h/v1/chat/completions"));
    }

    @Test
    void badValuesNameTheSetting() {
        for (String bad : new String[] {"api.openai.com/v1", "ftp://h/v1", "http://", "https://h/v1?x=1", "::"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> endpoint(bad), bad);
            assertTrue(e.getMessage().contains("chat.x.base-url"), e.getMessage());
        }
    }

    private static BaseUrl base(String value) {
        return BaseUrls.base(Settings.of(Map.of("chat.x.base-url", value)), "chat.x.base-url",
                "https://api.example.com/v1", "/chat/completions", "/responses");
    }

    @Test
    void baseKeepsItsQueryOnEveryPath() {
        BaseUrl azure = base("https://res.openai.azure.com/openai/deployments/gpt-4o/?api-version=2024-10-21");
        assertEquals(URI.create("https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
                + "?api-version=2024-10-21"), azure.resolve("/chat/completions"));
        assertEquals(URI.create("https://res.openai.azure.com/openai/deployments/gpt-4o/models?api-version=2024-10-21"),
                azure.resolve("/models"));
        assertEquals(URI.create("http://localhost:8000/v1/models"), base("http://localhost:8000/v1").resolve("/models"));
    }

    @Test
    void basePastedAsAnEndpointIsCutBack() {
        assertEquals(URI.create("https://h/v1/models?a=1"), base("https://h/v1/chat/completions?a=1").resolve("/models"));
        assertEquals(URI.create("https://h/v1/models"), base("https://h/v1/responses").resolve("/models"));
    }

    @Test
    void badBasesNameTheSetting() {
        for (String bad : new String[] {"api.openai.com/v1", "ftp://h/v1", "http://", "https://h/v1#x",
                "https://user:pw@h/v1", "::"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> base(bad), bad);
            assertTrue(e.getMessage().contains("chat.x.base-url"), e.getMessage());
        }
    }
}
