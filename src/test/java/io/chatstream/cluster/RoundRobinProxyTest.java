package io.chatstream.cluster;

import io.chatstream.testing.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The test load balancer in front of two dev server JVMs (the demo backend, told apart by their reply lengths):
 * connection after connection goes to the next node, both answer, and {@link RoundRobinProxy#cutAll()} drops a
 * client in the middle of a stream.
 */
@Timeout(120)
@Execution(ExecutionMode.CONCURRENT)
class RoundRobinProxyTest {

    private static final Pattern CHUNK = Pattern.compile("\"type\":\"chunk\"");

    /** A whole reply, on a connection of its own (HTTP/1.0: the body ends with the connection). */
    private static String reply(RoundRobinProxy proxy) throws IOException {
        String body = "{\"message\":\"hello\"}";
        RawHttp.Response r = RawHttp.exchange(proxy.port(), "POST /api/chat HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().contains("\"type\":\"end\""), r.body());
        return r.body();
    }

    private static int chunks(String body) {
        Matcher m = CHUNK.matcher(body);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void eachNewConnectionGoesToTheNextNodeAndBothAnswer() throws Exception {
        Map<String, String> common = Map.of("chat.store.url", "off", "chat.demo.tokens-per-second", "1000");
        // started side by side
        try (DevServerProcess a = DevServerProcess.launch("a", with(common, "chat.demo.reply-tokens", "5"));
             DevServerProcess b = DevServerProcess.launch("b", with(common, "chat.demo.reply-tokens", "7"));
             RoundRobinProxy proxy = new RoundRobinProxy(List.of(a.awaitListening().uri("/").getPort(),
                     b.awaitListening().uri("/").getPort()))) {
            for (int round = 0; round < 2; round++) {
                assertEquals(5, chunks(reply(proxy)), "node a: " + a.output());
                assertEquals(7, chunks(reply(proxy)), "node b: " + b.output());
            }
            assertEquals(2, proxy.connections(0));
            assertEquals(2, proxy.connections(1));
            RawHttp.Response health = RawHttp.exchange(proxy.port(),
                    "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            assertEquals(200, health.status());
            assertEquals(3, proxy.connections(0));
        }
    }

    @Test
    void cutAllDropsAClientInTheMiddleOfAStream() throws Exception {
        Map<String, String> slow = Map.of("chat.store.url", "off", "chat.demo.tokens-per-second", "5",
                "chat.demo.reply-tokens", "500");
        try (DevServerProcess a = DevServerProcess.start("a", slow);
             RoundRobinProxy proxy = new RoundRobinProxy(List.of(a.uri("/").getPort()));
             Socket client = RawHttp.connect(proxy.port())) {
            String body = "{\"message\":\"hello\"}";
            OutputStream out = client.getOutputStream();
            out.write(("POST /api/chat HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = client.getInputStream();
            StringBuilder seen = new StringBuilder();
            byte[] buf = new byte[4096];
            while (!CHUNK.matcher(seen).find()) {
                int n = in.read(buf);
                assertTrue(n > 0, "the stream runs: " + seen);
                seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
            assertTrue(proxy.cutAll() >= 2, "the client's socket and the node's");
            try {
                // the reply would go on for 100 s: the connection ends now, without the end event, or fails
                String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertFalse((seen + rest).contains("\"type\":\"end\""), "the reply was cut: " + rest);
            } catch (SocketTimeoutException e) {
                fail("the cut did not end the client's connection");
            } catch (IOException reset) {
                // a reset: the client's connection failed, as a dropped client's does
            }
        }
    }

    private static Map<String, String> with(Map<String, String> settings, String key, String value) {
        Map<String, String> m = new HashMap<>(settings);
        m.put(key, value);
        return m;
    }
}
