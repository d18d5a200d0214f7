package io.chatstream.stream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reader array shared by local and remote streams: each reader woken once per wake, a removal exact. */
class ReadersTest {

    @Test
    void aWakeReachesEachReaderAttachedNowOnce() {
        Readers readers = new Readers();
        CountingReader a = new CountingReader();
        CountingReader b = new CountingReader();
        CountingReader c = new CountingReader();
        readers.add(a);
        readers.add(b);
        readers.add(c);
        readers.wakeAll();
        assertTrue(readers.remove(b));
        readers.wakeAll();
        assertEquals(2, a.wakes);
        assertEquals(1, b.wakes, "a removed reader is no longer woken");
        assertEquals(2, c.wakes);
        assertEquals(2, readers.size());
    }

    @Test
    void removingAReaderNotAttachedChangesNothing() {
        Readers readers = new Readers();
        CountingReader a = new CountingReader();
        readers.add(a);
        assertFalse(readers.remove(new CountingReader()));
        assertEquals(1, readers.size());
        assertTrue(readers.remove(a));
        assertTrue(readers.isEmpty());
        assertFalse(readers.remove(a), "a reader is removed once");
    }

    @Test
    void removeAllHandsOverEveryReaderAndLeavesNone() {
        Readers readers = new Readers();
        CountingReader a = new CountingReader();
        CountingReader b = new CountingReader();
        readers.add(a);
        readers.add(b);
        assertArrayEquals(new StreamReader[] {a, b}, readers.removeAll());
        assertTrue(readers.isEmpty());
        readers.wakeAll();
        assertEquals(0, a.wakes + b.wakes);
    }
}
