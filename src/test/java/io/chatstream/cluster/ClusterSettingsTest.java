package io.chatstream.cluster;

import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cluster's settings: their defaults, their values, and a clear error naming a bad one, never a password. */
class ClusterSettingsTest {

    @Test
    void theDefaultsAreTenSecondsOfLeaseAndTwoMinutesOfDrain() {
        ClusterSettings s = ClusterSettings.load(Settings.of(Map.of()));
        assertEquals(ClusterSettings.DEFAULTS, s);
        assertEquals(Duration.ofSeconds(10), s.lease());
        assertEquals(Duration.ofSeconds(120), s.drain());
        assertEquals(Duration.ofSeconds(30), s.outage());
        assertEquals(Duration.ofMillis(3333), s.renewEvery().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    @Test
    void valuesAreRead() {
        ClusterSettings s = ClusterSettings.load(Settings.of(Map.of("chat.cluster.lease-seconds", " 3 ",
                "chat.cluster.drain-seconds", "0", "chat.cluster.outage-seconds", "11")));
        assertEquals(new ClusterSettings(Duration.ofSeconds(3), Duration.ZERO, Duration.ofSeconds(11)), s);
        assertEquals(Duration.ofSeconds(1), s.renewEvery());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "ten", "1.5", "", "99999999999"})
    void aBadValueStopsStartUpNamingTheSettingAndWhatItTakes(String value) {
        for (String name : List.of("chat.cluster.lease-seconds", "chat.cluster.drain-seconds",
                "chat.cluster.outage-seconds")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ClusterSettings.load(Settings.of(Map.of(name, value))));
            assertTrue(e.getMessage().contains(name) && e.getMessage().contains("a whole number from"),
                    e.getMessage());
        }
    }

    @Test
    void aLeaseOfZeroIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ClusterSettings.load(Settings.of(Map.of("chat.cluster.lease-seconds", "0"))));
        assertTrue(e.getMessage().contains("from 1 to 3600"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"10", "0", "5"})
    void anOutageBoundOfTenSecondsOrLessIsRefused(String value) {
        // SPEC section 10: an outage of up to 10 s ends no stream
        ConfigException e = assertThrows(ConfigException.class,
                () -> ClusterSettings.load(Settings.of(Map.of("chat.cluster.outage-seconds", value))));
        assertTrue(e.getMessage().contains("chat.cluster.outage-seconds") && e.getMessage().contains("from 11 to"),
                e.getMessage());
    }

    @Test
    void noRedisUrlIsOneNodeAndAGoodOneIsParsed() {
        assertNull(ClusterSettings.redisUrl(Settings.of(Map.of())));
        assertNull(ClusterSettings.redisUrl(Settings.of(Map.of("chat.cluster.redis-url", " "))));
        assertEquals(6380, ClusterSettings.redisUrl(Settings.of(Map.of("chat.cluster.redis-url",
                "redis://:pw@h:6380/1"))).port());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://u:hunter2@h:6379", "redis://u:hunter2@", "redis://u:hunter2@h:0",
            "redis://u:hunter2@h:6379/99", "redis://u:hunter2@h:6379?x=1", "redis:/u:hunter2@h", "h:6379"})
    void aMalformedRedisUrlIsABadSettingWhoseMessageHoldsNoPassword(String url) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ClusterSettings.redisUrl(Settings.of(Map.of("chat.cluster.redis-url", url))));
        assertTrue(e.getMessage().startsWith("Invalid setting chat.cluster.redis-url = '"), e.getMessage());
        assertTrue(e.getMessage().contains("expected redis://[user:password@]host:port[/db] or rediss://"),
                e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
}
