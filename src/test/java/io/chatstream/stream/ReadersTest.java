package io.chatstream.stream;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reader array shared by local and remote streams: each reader woken once per wake, a removal exact. */
class ReadersTest {

    /** A reader that only counts its wake-ups. */
    private static final class Counting implements StreamReader {
        int wakes;

        @Override
        public void wake() {
            wakes++;
        }

        @Override
        public void shutdown(long retryMillis) {
        }

        @Override
        public CompletableFuture<Void> closed() {
            return new CompletableFuture<>();
        }

        @Override
        public void abort() {
        }
    }

    @Test
    void aWakeReachesEachReaderAttachedNowOnce() {
        Readers readers = new Readers();
        Counting a = new Counting();
        Counting b = new Counting();
        Counting c = new Counting();
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
        Counting a = new Counting();
        readers.add(a);
        assertFalse(readers.remove(new Counting()));
        assertEquals(1, readers.size());
        assertTrue(readers.remove(a));
        assertTrue(readers.isEmpty());
        assertFalse(readers.remove(a), "a reader is removed once");
    }

    @Test
    void removeAllHandsOverEveryReaderAndLeavesNone() {
        Readers readers = new Readers();
        Counting a = new Counting();
        Counting b = new Counting();
        readers.add(a);
        readers.add(b);
        assertArrayEquals(new StreamReader[] {a, b}, readers.removeAll());
        assertTrue(readers.isEmpty());
        readers.wakeAll();
        assertEquals(0, a.wakes + b.wakes);
    }
}
