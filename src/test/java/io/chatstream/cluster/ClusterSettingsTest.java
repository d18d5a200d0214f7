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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cluster's timing settings: their defaults, their values, and a clear error naming a bad one. */
class ClusterSettingsTest {

    @Test
    void theDefaultsAreTenSecondsOfLeaseAndTwoMinutesOfDrain() {
        ClusterSettings s = ClusterSettings.load(Settings.of(Map.of()));
        assertEquals(ClusterSettings.DEFAULTS, s);
        assertEquals(Duration.ofSeconds(10), s.lease());
        assertEquals(Duration.ofSeconds(120), s.drain());
        assertEquals(Duration.ofMillis(3333), s.renewEvery().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    @Test
    void valuesAreRead() {
        ClusterSettings s = ClusterSettings.load(Settings.of(Map.of("chat.cluster.lease-seconds", " 3 ",
                "chat.cluster.drain-seconds", "0")));
        assertEquals(new ClusterSettings(Duration.ofSeconds(3), Duration.ZERO), s);
        assertEquals(Duration.ofSeconds(1), s.renewEvery());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "ten", "1.5", "", "99999999999"})
    void aBadValueStopsStartUpNamingTheSettingAndWhatItTakes(String value) {
        for (String name : List.of("chat.cluster.lease-seconds", "chat.cluster.drain-seconds")) {
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
}
