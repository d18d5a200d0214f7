package io.chatstream.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code chat.cluster.redis-url}: what is taken, what is refused, and a password that never shows. */
class RedisUrlTest {

    @Test
    void everyPartIsRead() {
        RedisUrl u = RedisUrl.parse("rediss://chat:s3cr%40t@redis.internal:6380/2");
        assertTrue(u.tls());
        assertEquals("redis.internal", u.host());
        assertEquals(6380, u.port());
        assertEquals("chat", u.user());
        assertEquals("s3cr@t", u.password());
        assertEquals(2, u.database());
        assertEquals("rediss://chat:***@redis.internal:6380/2", u.toString());
    }

    @Test
    void defaultsAndAPasswordWithoutUser() {
        RedisUrl u = RedisUrl.parse("redis://:pw-9f8e7d@10.0.0.5");
        assertFalse(u.tls());
        assertNull(u.user());
        assertEquals("pw-9f8e7d", u.password());
        assertEquals(6379, u.port());
        assertEquals(0, u.database());
        assertEquals("redis://***@10.0.0.5:6379/0", u.toString());
        assertEquals("redis://[::1]:7000/0", RedisUrl.parse("redis://[::1]:7000").toString());
        assertEquals("pw-only", RedisUrl.parse("redis://pw-only@h:1").password());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost:6379", "http://h:6379", "redis://", "redis://h:0", "redis://h:70000",
            "redis://h:6379/x", "redis://h:6379/16", "redis://h:6379?db=1", "redis://u:hunter2@ h"})
    void badUrlsAreRefusedWithoutThePassword(String url) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse(url));
        assertFalse(e.getMessage().contains("hunter2"));
    }
}
