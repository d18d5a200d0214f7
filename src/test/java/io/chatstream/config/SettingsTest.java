package io.chatstream.config;

import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    private static Settings settings(Map<String, String> props, Map<String, String> env, Map<String, String> init) {
        return new Settings(props::get, env, init::get);
    }

    @Test
    void environmentNameIsUpperCaseWithUnderscores() {
        assertEquals("CHAT_SSE_KEEPALIVE_SECONDS", Settings.environmentName("chat.sse.keepalive-seconds"));
        assertEquals("CHAT_OPENAI_BASE_URL", Settings.environmentName("chat.openai.base-url"));
    }

    @Test
    void systemPropertyThenEnvironmentThenInitParameterThenDefault() {
        String name = "chat.sse.keepalive-seconds";
        String env = "CHAT_SSE_KEEPALIVE_SECONDS";
        assertEquals(1, settings(Map.of(name, "1"), Map.of(env, "2"), Map.of(name, "3")).integer(name, 15, 1, 99));
        assertEquals(2, settings(Map.of(), Map.of(env, "2"), Map.of(name, "3")).integer(name, 15, 1, 99));
        assertEquals(3, settings(Map.of(), Map.of(), Map.of(name, "3")).integer(name, 15, 1, 99));
        assertEquals(15, settings(Map.of(), Map.of(), Map.of()).integer(name, 15, 1, 99));
    }

    @Test
    void defaultsMatchTheContract() {
        ChatConfig c = ChatConfig.load(Settings.of(Map.of()));
        assertEquals("demo", c.backend());
        assertEquals(15, c.keepAlive().toSeconds());
        assertEquals(3000, c.retryMillis());
        assertEquals(300, c.retain().toSeconds());
        assertEquals(15, c.detachGrace().toSeconds());
        assertEquals(600, c.maxDuration().toSeconds());
        assertEquals(List.of(), c.corsAllowedOrigins());
        assertFalse(c.corsAllowCredentials());
        assertEquals(1_048_576, c.maxBodyBytes());
        assertEquals(10_000, c.maxStreams());
        assertEquals(8, c.maxStreamsPerClient());
        assertEquals(ChatConfig.AuthMode.NONE, c.authMode());
        assertEquals(8080, c.serverPort());
        assertEquals(10, c.minWriteInterval().toMillis());
    }

    @Test
    void writePacingSettingsAreBounded() {
        ChatConfig c = ChatConfig.load(Settings.of(Map.of("chat.sse.min-write-interval-millis", "0")));
        assertEquals(0, c.minWriteInterval().toMillis());
        for (String bad : List.of("-1", "1001", "soon")) {
            ConfigException e = assertThrows(ConfigException.class, () -> ChatConfig.load(
                    Settings.of(Map.of("chat.sse.min-write-interval-millis", bad))), bad);
            assertTrue(e.getMessage().contains("chat.sse.min-write-interval-millis"), e.getMessage());
        }
    }

    @Test
    void badValuesNameTheSettingTheSourceAndWhatIsAccepted() {
        ConfigException e = assertThrows(ConfigException.class, () -> ChatConfig.load(
                settings(Map.of(), Map.of("CHAT_SSE_KEEPALIVE_SECONDS", "soon"), Map.of())));
        assertEquals("Invalid setting chat.sse.keepalive-seconds = 'soon' (from environment variable "
                + "CHAT_SSE_KEEPALIVE_SECONDS): expected a whole number from 1 to 86400", e.getMessage());
        for (Map.Entry<String, String> bad : Map.of(
                "chat.limits.max-streams", "0", "chat.cors.allow-credentials", "yes", "chat.auth.mode", "ldap",
                "chat.stream.retain-seconds", "-1", "chat.sse.retry-millis", "1.5",
                "chat.cors.allowed-origins", "portal.example.com", "chat.server.port", "70000").entrySet()) {
            ConfigException ex = assertThrows(ConfigException.class,
                    () -> ChatConfig.load(Settings.of(Map.of(bad.getKey(), bad.getValue()))), bad.toString());
            assertTrue(ex.getMessage().contains(bad.getKey()), ex.getMessage());
        }
    }

    @Test
    void wildcardOriginWithCredentialsIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ChatConfig.load(Settings.of(Map.of(
                "chat.cors.allowed-origins", "*", "chat.cors.allow-credentials", "true"))));
        assertTrue(e.getMessage().contains("chat.cors.allow-credentials"));
    }

    @Test
    void tokenModeNeedsTokensAndSecretsAreNeverEchoed() {
        assertThrows(ConfigException.class, () -> ChatConfig.load(Settings.of(Map.of("chat.auth.mode", "token"))));
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.of(Map.of(
                "chat.openai.api-key", "sk-secret-value")).integer("chat.openai.api-key", 0, 0, 1));
        assertFalse(e.getMessage().contains("sk-secret-value"), e.getMessage());
    }

    @Test
    void listsAreCommaSeparatedAndTrimmed() {
        assertEquals(List.of("https://a.example", "http://b.example:8080"), Settings.of(Map.of(
                "chat.cors.allowed-origins", " https://a.example , http://b.example:8080,")).list(
                "chat.cors.allowed-origins"));
    }

    @Test
    void enumSettingsTakeExactlyTheContractsValuesWithoutCaseAndNameThemWhenWrong() {
        Map<String, Map<String, Object>> accepted = Map.of(
                "chat.auth.mode", Map.of("none", ChatConfig.AuthMode.NONE, " Token ", ChatConfig.AuthMode.TOKEN,
                        "CONTAINER", ChatConfig.AuthMode.CONTAINER),
                "chat.metrics.access", Map.of("api", ChatConfig.MetricsAccess.API, "Open", ChatConfig.MetricsAccess.OPEN,
                        "off ", ChatConfig.MetricsAccess.OFF));
        for (Map.Entry<String, Map<String, Object>> setting : accepted.entrySet()) {
            for (Map.Entry<String, Object> value : setting.getValue().entrySet()) {
                ChatConfig c = ChatConfig.load(Settings.of(Map.of(setting.getKey(), value.getKey(),
                        "chat.auth.tokens", "t1")));
                Object read = setting.getKey().equals("chat.auth.mode") ? c.authMode() : c.metricsAccess();
                assertEquals(value.getValue(), read, setting.getKey() + "=" + value.getKey());
            }
        }
        assertEquals(ChatConfig.MetricsAccess.API, ChatConfig.load(Settings.of(Map.of())).metricsAccess());

        ConfigException auth = assertThrows(ConfigException.class, () -> ChatConfig.load(Settings.of(Map.of(
                "chat.auth.mode", "ldap"))));
        assertEquals("Invalid setting chat.auth.mode = 'ldap' (from system property chat.auth.mode): expected one of"
                + " none, token, container", auth.getMessage());
        for (String bad : List.of("", "closed", "api,open", "o ff")) {
            ConfigException e = assertThrows(ConfigException.class, () -> ChatConfig.load(Settings.of(Map.of(
                    "chat.metrics.access", bad))), bad);
            assertTrue(e.getMessage().startsWith("Invalid setting chat.metrics.access = '" + bad + "'")
                    && e.getMessage().endsWith("expected one of api, open, off"), e.getMessage());
        }
    }

    private enum Api {
        CHAT_COMPLETIONS, RESPONSES
    }

    @Test
    void anEnumConstantIsWrittenInLowerCaseWithHyphens() {
        assertEquals("chat-completions", Settings.optionName(Api.CHAT_COMPLETIONS));
        assertEquals(Api.CHAT_COMPLETIONS, Settings.of(Map.of("x.api", "Chat-Completions")).option("x.api",
                Api.RESPONSES));
        assertEquals(Api.RESPONSES, Settings.of(Map.of()).option("x.api", Api.RESPONSES));
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.of(Map.of("x.api",
                "chat_completions")).option("x.api", Api.RESPONSES));
        assertTrue(e.getMessage().endsWith("expected one of chat-completions, responses"), e.getMessage());
    }

    @Test
    void aBadSettingStopsTheWebappWithAMessageNamingIt() {
        Map<String, String> bad = new HashMap<>(Map.of("chat.stream.max-duration-seconds", "forever"));
        Exception e = assertThrows(Exception.class, () -> TestServer.start(bad).close());
        Throwable t = e;
        boolean named = false;
        while (t != null) {
            named |= String.valueOf(t.getMessage()).contains("chat.stream.max-duration-seconds");
            t = t.getCause();
        }
        assertTrue(named, "the failure names the setting: " + e);
        Exception unknown = assertThrows(Exception.class, () -> TestServer.start(Map.of("chat.backend", "nosuch"))
                .close());
        assertTrue(String.valueOf(rootMessage(unknown)).contains("demo"), "lists the backends there are");
    }

    private static String rootMessage(Throwable t) {
        StringBuilder all = new StringBuilder();
        while (t != null) {
            all.append(t.getMessage()).append(" | ");
            t = t.getCause();
        }
        return all.toString();
    }
}
