package io.chatstream.security;

import io.chatstream.config.AddressRange;
import io.chatstream.config.ChatConfig;
import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.chatstream.security.Api.assertError;
import static io.chatstream.security.Api.open;
import static io.chatstream.security.Api.prompt;
import static io.chatstream.security.Api.send;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code X-Forwarded-For} is believed only from {@code chat.limits.trusted-proxies}, read from the right, so the
 * per-client limit counts each forwarded client and a made-up header escapes nothing. Over real HTTP from
 * 127.0.0.1, with one stream per client.
 */
class ForwardedForTest {

    private final List<SseRecorder> open = new ArrayList<>();

    private static Map<String, String> settings(String trusted) {
        return Map.of("chat.limits.trusted-proxies", trusted, "chat.limits.max-streams-per-client", "1",
                "chat.demo.tokens-per-second", "5");
    }

    /** Starts a stream as the proxy would forward it; returns the client key it counts against, or null on 429. */
    private String startAs(TestServer s, String... forwardedFor) throws Exception {
        HttpRequest.Builder b = prompt(s, "xff");
        for (String line : forwardedFor) {
            b.header("X-Forwarded-For", line);
        }
        HttpRequest request = b.build();
        SseRecorder r = SseRecorder.open(Api.HTTP, request);
        if (r.status() == 429) {
            r.close();
            return null;
        }
        open.add(r);
        assertEquals(200, r.status());
        return s.app().registry().find(r.header("X-Stream-Id")).clientKey();
    }

    private void closeAll() {
        open.forEach(SseRecorder::close);
        open.clear();
    }

    @Test
    void fromATrustedProxyEachForwardedClientHasItsOwnLimit() throws Exception {
        for (String trusted : List.of("127.0.0.1", "10.0.0.0/8, 127.0.0.0/8, ::1")) {
            try (TestServer s = TestServer.start(settings(trusted))) {
                assertEquals("203.0.113.5", startAs(s, "203.0.113.5"));
                assertEquals("203.0.113.6", startAs(s, "203.0.113.6"), "another client behind the same proxy");
                assertNull(startAs(s, "203.0.113.5"), "the first client's limit is reached");
                HttpResponse<String> refused = send(prompt(s, "x").header("X-Forwarded-For", "203.0.113.5"));
                assertError(refused, 429, "too_many_streams");
                assertTrue(refused.headers().firstValue("Retry-After").isPresent());
                assertNull(startAs(s, "198.51.100.77, 203.0.113.5"),
                        "a hop the client made up stands left of the real one and is never read");
                assertNull(startAs(s, "198.51.100.77", "203.0.113.5"), "the same over two header lines");
                assertEquals("203.0.113.7", startAs(s, "203.0.113.7:50123"), "a port is dropped");
                assertNull(startAs(s, "203.0.113.7"));
                assertEquals("2001:db8:0:0:0:0:0:1", startAs(s, "2001:db8::1"));
                assertNull(startAs(s, "[2001:0db8:0:0::1]:443"), "the same IPv6 address written another way");
                assertNull(startAs(s, "::ffff:203.0.113.6"), "an IPv4-mapped address is that IPv4 address");
                assertEquals("203.0.113.8", startAs(s, "203.0.113.8, 127.0.0.1"),
                        "trusted hops (a chain of proxies) are passed over");
                assertEquals("127.0.0.1", startAs(s), "without the header the proxy itself is the client");
                assertNull(startAs(s, "unknown"), "a hop that is no address counts against the proxy");
                assertNull(startAs(s, "203.0.113.9, garbage"), "and stops the walk");
                assertNull(startAs(s, "example.com"));
                closeAll();
            }
        }
    }

    @Test
    void fromAnyOtherAddressTheHeaderIsIgnored() throws Exception {
        for (String trusted : List.of("", "10.0.0.0/8, 192.168.1.1, fd00::/8")) {
            try (TestServer s = TestServer.start(settings(trusted))) {
                assertEquals("127.0.0.1", startAs(s, "203.0.113.5"));
                assertNull(startAs(s, "203.0.113.6"), "a made-up header does not escape the limit");
                assertNull(startAs(s, "10.0.0.1"));
                closeAll();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"proxy.example.com", "localhost", "10.0.0.0/33", "::1/129", "10.0.0.1/", "10.0.0",
        "1.2.3.4.5", "256.0.0.1", "10.0.0.0/-1", "fe80::1%eth0", "*", "10.0.0.1 10.0.0.2", "0x7f.0.0.1"})
    void aTrustedProxyThatIsNoAddressStopsStartUp(String bad) {
        ConfigException e = assertThrows(ConfigException.class, () -> ChatConfig.load(Settings.of(Map.of(
                "chat.limits.trusted-proxies", "10.0.0.1, " + bad))));
        assertTrue(e.getMessage().contains("chat.limits.trusted-proxies"), e.getMessage());
    }

    @Test
    void rangesMatchByPrefix() {
        AddressRange net = AddressRange.parse("10.1.0.0/16");
        assertTrue(net.contains(AddressRange.literal("10.1.255.3")));
        assertFalse(net.contains(AddressRange.literal("10.2.0.1")));
        assertFalse(net.contains(AddressRange.literal("::ffff:10.2.0.1")));
        assertTrue(net.contains(AddressRange.literal("::ffff:10.1.0.1")));
        assertFalse(net.contains(AddressRange.literal("2001:db8::1")), "IPv6 is never in an IPv4 block");
        AddressRange odd = AddressRange.parse("192.168.1.128/25");
        assertTrue(odd.contains(AddressRange.literal("192.168.1.200")));
        assertFalse(odd.contains(AddressRange.literal("192.168.1.127")));
        AddressRange v6 = AddressRange.parse("fd00::/8");
        assertTrue(v6.contains(AddressRange.literal("fd12:3456::1")));
        assertFalse(v6.contains(AddressRange.literal("fe80::1")));
        assertTrue(AddressRange.parse("0.0.0.0/0").contains(AddressRange.literal("8.8.8.8")));
        assertTrue(AddressRange.parse("::1").contains(AddressRange.literal("[0:0:0:0:0:0:0:1]")));
        assertArrayEquals(new byte[] {(byte) 203, 0, 113, 5}, AddressRange.literal(" 203.0.113.5 "));
        for (String notLiteral : List.of("", "example.com", "1.2.3", "1", "::g", ".1.2.3", "1.2.3.4:80", "[::1",
                "a".repeat(60), "unknown", "_hidden")) {
            assertNull(AddressRange.literal(notLiteral), notLiteral);
        }
    }
}
