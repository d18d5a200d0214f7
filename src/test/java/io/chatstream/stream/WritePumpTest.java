package io.chatstream.stream;

import io.chatstream.wire.ByteSink;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pump alone: what it asks of its source and does to its transport, call by call. */
class WritePumpTest {

    /** A transport that logs each call and is ready when the test says so. */
    static final class Log implements Transport {
        final List<String> calls = new ArrayList<>();
        boolean ready = true;
        Runnable onWrite = () -> { };

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            calls.add("write " + new String(bytes, offset, length, StandardCharsets.US_ASCII));
            onWrite.run();
        }

        @Override
        public void flush() {
            calls.add("flush");
        }

        @Override
        public void complete() {
            calls.add("complete");
        }
    }

    /** A source that hands out the texts queued by the test, one per fill. */
    static final class Queue implements WritePump.Source {
        final Deque<String> due = new ArrayDeque<>();
        final List<Throwable> failures = new ArrayList<>();
        int stalls;
        boolean closed;
        Error throwNext;

        @Override
        public void fill(ByteSink out) {
            if (throwNext != null) {
                Error e = throwNext;
                throwNext = null;
                throw e;
            }
            String next = due.poll();
            if (next != null) {
                out.ascii(next);
            }
        }

        @Override
        public void stalled() {
            stalls++;
        }

        @Override
        public void failed(Throwable cause) {
            failures.add(cause);
        }

        @Override
        public boolean isClosed() {
            return closed;
        }
    }

    @Test
    void eachWriteIsFlushedBeforeTheNextAndNothingIsWrittenWhileTheTransportIsNotReady() {
        Log transport = new Log();
        Queue source = new Queue();
        WritePump pump = new WritePump(transport, source);
        source.due.add("a");
        source.due.add("b");
        pump.signal();
        assertEquals(List.of("write a", "flush", "write b", "flush"), transport.calls);

        transport.ready = false;
        source.due.add("c");
        pump.signal();
        assertEquals(4, transport.calls.size());
        assertEquals(1, source.stalls);
        transport.ready = true;
        pump.signal();
        assertEquals(List.of("write a", "flush", "write b", "flush", "write c", "flush"), transport.calls);
    }

    @Test
    void aSignalWhileWritingIsHonouredByTheWritingThreadWithoutRecursion() {
        Log transport = new Log();
        Queue source = new Queue();
        WritePump pump = new WritePump(transport, source);
        int[] depth = {0};
        transport.onWrite = () -> {
            depth[0]++;
            if (transport.calls.size() == 1) {
                source.due.add("later"); // new bytes come, and their signal, while the first write is under way
                pump.signal();
            }
            depth[0]--;
        };
        source.due.add("first");
        pump.signal();
        assertEquals(List.of("write first", "flush", "write later", "flush"), transport.calls);
        assertEquals(0, depth[0]);
    }

    @Test
    void anErrorInTheSourceEndsNothingButTheCallAndThePumpWritesOnAfterIt() {
        Log transport = new Log();
        Queue source = new Queue();
        WritePump pump = new WritePump(transport, source);
        source.throwNext = new OutOfMemoryError("thrown by the test");
        pump.signal();
        assertEquals(1, source.failures.size());
        assertTrue(source.failures.get(0) instanceof OutOfMemoryError);
        source.due.add("x");
        pump.signal();
        assertEquals(List.of("write x", "flush"), transport.calls, "the pump was not left stuck");
    }

    @Test
    void aLastFrameIsWrittenAndFlushedOnlyIfTheTransportStillTakesBytes() throws IOException {
        Log transport = new Log();
        WritePump pump = new WritePump(transport, new Queue());
        ByteSink out = new ByteSink(16);
        pump.writeLast(out.ascii("bye"));
        assertEquals(List.of("write bye", "flush"), transport.calls);
        assertEquals(0, out.size());

        transport.onWrite = () -> transport.ready = false;
        pump.writeLast(out.ascii("again"));
        assertEquals(List.of("write bye", "flush", "write again"), transport.calls);
        assertFalse(transport.ready);
    }

    @Test
    void aClosedSourceIsNotAskedAgain() {
        Log transport = new Log();
        Queue source = new Queue();
        WritePump pump = new WritePump(transport, source);
        source.closed = true;
        source.due.add("never");
        pump.signal();
        assertEquals(List.of(), transport.calls);
        assertEquals(1, source.due.size());
    }
}
