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
}
