package io.chatstream.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark's yardstick must speak what the load client checks (status, {@code retry:} first, ids in order,
 * {@code start}, exactly the asked number of chunks, one {@code end}, the end of the chunked body), with and without
 * a write interval, or the README's floor figures could not be measured again.
 */
class FloorServerTest {

    private static void holdsItsStreams(String writeIntervalMs) throws Exception {
        FloorServer floor = new FloorServer(Map.of("port", "0", "tokens-per-second", "200", "reply-tokens", "40",
                "write-interval-ms", writeIntervalMs));
        try {
            boolean ok = LoadClient.run(Map.of("label", "floor-" + writeIntervalMs, "port",
                    Integer.toString(floor.port()), "path", "/api/chat", "streams", "50", "ramp", "0.5",
                    "reply-tokens", "40", "timeout", "30"));
            assertTrue(ok, "a stream failed (see the report above)");
        } finally {
            floor.close();
        }
    }

    @Test
    void everyStreamIsCompleteWithOneWritePerEvent() throws Exception {
        holdsItsStreams("0");
    }

    @Test
    void everyStreamIsCompleteWhenEventsShareWrites() throws Exception {
        holdsItsStreams("30");
    }
}
