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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The settings of the limits: off by default, validated like every setting; a bad or unreachable
 * {@code chat.cluster.redis-url} never stops nor holds up start-up.
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

    @Test
    void aBadRedisUrlIsOneLineAndTheLimitsCountInMemory() throws Exception {
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r.getLevel() + " " + r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger jul = Logger.getLogger("io.chatstream");
        jul.addHandler(capture);
        try (ChatApplication app = ChatApplication.start(Settings.of(Map.of(
                "chat.cluster.redis-url", "http://user:hunter2@redis:6379", "chat.limits.replies-per-minute", "1",
                "chat.store.url", "off")),
                List.of())) {
            assertNull(app.redis());
            List<String> lines = logged.stream().filter(l -> l.contains("chat.cluster.redis-url")).toList();
            assertEquals(1, lines.size(), logged.toString());
            assertTrue(lines.get(0).startsWith("SEVERE"), lines.get(0));
            assertFalse(logged.toString().contains("hunter2"), "the password is never logged");
            assertTrue(app.replyLimits().admit("c").toCompletableFuture().join().allowed());
            assertFalse(app.replyLimits().admit("c").toCompletableFuture().join().allowed(), "counted in memory");
        } finally {
            jul.removeHandler(capture);
        }
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
