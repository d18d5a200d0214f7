package io.chatstream.limits;

import io.chatstream.app.ChatApplication;
import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The settings of the limits: off by default, validated like every setting; a malformed
 * {@code chat.cluster.redis-url} stops start-up like any bad setting, an unreachable one neither stops nor holds it up.
 */
class LimitSettingsTest {

    @Test
    void bothAreOffByDefault() {
        Limits limits = Limits.load(Settings.of(Map.of()));
        assertEquals(Limits.NONE, limits);
        assertFalse(limits.enabled());
        assertTrue(Limits.load(Settings.of(Map.of("chat.limits.tokens-per-day", "1"))).enabled());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "ten", "1.5", "", "99999999999999999999"})
    void aBadValueStopsStartUpNamingTheSetting(String value) {
        for (String name : List.of("chat.limits.replies-per-minute", "chat.limits.tokens-per-day")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ChatApplication.start(Settings.of(Map.of(name, value)), List.of()));
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://user:hunter2@redis:6379", "redis://:hunter2@", "redis://u:hunter2@h:99999",
            "redis://u:hunter2@h:6379/16", "redis://u:hunter2@h:6379/x", "redis://:hunt/er2@h", "localhost:6379"})
    void aBadRedisUrlStopsStartUpNamingTheSettingNeverThePassword(String url) {
        // the store left embedded, which a cluster refuses too: the malformed URL is what is reported
        ConfigException e = assertThrows(ConfigException.class, () -> ChatApplication.start(Settings.of(Map.of(
                "chat.cluster.redis-url", url, "chat.limits.replies-per-minute", "1")), List.of()));
        assertTrue(e.getMessage().startsWith("Invalid setting chat.cluster.redis-url"), e.getMessage());
        assertTrue(e.getMessage().contains("redis://[user:password@]host:port[/db]"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2") || e.getMessage().contains("hunt/"), e.getMessage());
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("lettuce")),
                "nothing was started");
    }

    @Test
    void anUnreachableRedisLetsStartUpGoOnAndRepliesThrough() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        try (ChatApplication app = ChatApplication.start(Settings.of(Map.of(
                "chat.cluster.redis-url", "redis://127.0.0.1:" + port, "chat.limits.replies-per-minute", "1",
                "chat.store.url", "off")),
                List.of())) {
            assertNotNull(app.redis(), "the connection is kept and tried again in the background");
            for (int i = 0; i < 3; i++) {
                assertSame(Decision.UNLIMITED, app.replyLimits().admit("c").toCompletableFuture()
                        .get(2, TimeUnit.SECONDS), "fails open");
            }
        }
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) < 15);
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("lettuce")),
                "the webapp's stop leaves no Redis thread");
    }
}
