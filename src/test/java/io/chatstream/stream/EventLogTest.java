package io.chatstream.stream;

import io.chatstream.wire.ByteSink;
import io.chatstream.wire.Framing;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EventLogTest {

    private static byte[] json(int i, int padding) {
        return ("{\"type\":\"chunk\",\"content\":\"" + i + "x".repeat(padding) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keepsEveryEventExactlyAcrossSegmentsOfAnySize() {
        MemoryEventLog log = new MemoryEventLog();
        List<byte[]> appended = new ArrayList<>();
        long total = 0;
        for (int i = 1; i <= 600; i++) {
            // mostly small events, some that straddle a segment's end, some larger than a segment
            int padding = i % 97 == 0 ? 9000 : i % 13 == 0 ? 700 : i % 7;
            byte[] j = json(i, padding);
            byte[] framed = new byte[j.length + 6];
            System.arraycopy(j, 0, framed, 3, j.length);
            assertEquals(i, log.append(framed, 3, j.length));
            appended.add(j);
            total += j.length;
        }
        assertEquals(600, log.size());
        assertEquals(total, log.bytes());
        long after = total;
        for (int seq = 1; seq <= 600; seq++) {
            assertArrayEquals(appended.get(seq - 1), log.json(seq), "event " + seq);
            after -= appended.get(seq - 1).length;
            assertEquals(after, log.bytesAfter(seq));
        }
        assertEquals(total, log.bytesAfter(0));
        assertThrows(IndexOutOfBoundsException.class, () -> log.json(601));
        assertThrows(IndexOutOfBoundsException.class, () -> log.json(0));
    }

    @Test
    void framesStraightFromTheLog() {
        MemoryEventLog log = new MemoryEventLog();
        log.append(json(1, 0), 0, json(1, 0).length);
        byte[] second = json(2, 300);
        log.append(second, 0, second.length);
        ByteSink out = new ByteSink(64);
        log.frame(2, Framing.SSE, "abc".getBytes(StandardCharsets.US_ASCII), out);
        assertEquals("id: abc:2\ndata: " + new String(second, StandardCharsets.UTF_8) + "\n\n",
                new String(out.toByteArray(), StandardCharsets.UTF_8));
        out.reset();
        log.frame(1, Framing.NDJSON, null, out);
        assertEquals(new String(json(1, 0), StandardCharsets.UTF_8) + "\n",
                new String(out.toByteArray(), StandardCharsets.UTF_8));
    }
}
