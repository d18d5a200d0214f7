package io.chatstream.stream;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The readers attached to one stream, kept copy-on-write: every appended event wakes them all, while readers come
 * and go a few times per reply, so a wake is one volatile read and a loop, with no lock and no allocation, and the
 * rare change copies the array.
 */
public final class Readers {

    private static final StreamReader[] NONE = new StreamReader[0];

    /** Serialises the changes only; a wake never takes it. */
    private final ReentrantLock lock = new ReentrantLock();
    private volatile StreamReader[] readers = NONE;

    /** Adds a reader. */
    public void add(StreamReader reader) {
        lock.lock();
        try {
            StreamReader[] r = readers;
            StreamReader[] copy = Arrays.copyOf(r, r.length + 1);
            copy[r.length] = reader;
            readers = copy;
        } finally {
            lock.unlock();
        }
    }

    /** Removes a reader; false when it was not here. */
    public boolean remove(StreamReader reader) {
        lock.lock();
        try {
            StreamReader[] r = readers;
            int i = Arrays.asList(r).indexOf(reader);
            if (i < 0) {
                return false;
            }
            StreamReader[] copy = new StreamReader[r.length - 1];
            System.arraycopy(r, 0, copy, 0, i);
            System.arraycopy(r, i + 1, copy, i, r.length - i - 1);
            readers = copy.length == 0 ? NONE : copy;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Removes every reader and returns them. */
    public StreamReader[] removeAll() {
        lock.lock();
        try {
            StreamReader[] r = readers;
            readers = NONE;
            return r;
        } finally {
            lock.unlock();
        }
    }

    /** Tells each reader that new events are in (or the stream ended). */
    public void wakeAll() {
        for (StreamReader reader : readers) {
            reader.wake();
        }
    }

    /** The number of readers now. */
    public int size() {
        return readers.length;
    }

    /** True when no reader is attached. */
    public boolean isEmpty() {
        return readers.length == 0;
    }
}
