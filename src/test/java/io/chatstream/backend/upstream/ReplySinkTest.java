package io.chatstream.backend.upstream;

import io.chatstream.backend.testing.RecordingSink;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplySinkTest {

    private final RecordingSink recorder = new RecordingSink();
    private final ReplySink sink = new ReplySink(recorder);

    @Test
    void onlyTheFirstTerminalCallPassesAndNothingAfterIt() {
        sink.chunk("a");
        sink.end(FinishReason.STOP, null);
        assertFalse(sink.fail(ErrorCode.UPSTREAM_TIMEOUT, "late"));
        sink.chunk("late");
        sink.end(FinishReason.LENGTH, null);
        recorder.assertChunk("a");
        recorder.assertEnd(FinishReason.STOP, null);
        recorder.assertExhausted();
    }

    @Test
    void nothingPassesAfterCancel() {
        sink.cancel();
        sink.chunk("a");
        assertFalse(sink.fail(ErrorCode.UPSTREAM_ERROR, "x"));
        assertTrue(sink.isClosed());
        assertFalse(sink.isTerminated());
        recorder.assertExhausted();
    }

    @Test
    void racingTerminalCallsFromManyThreadsMakeExactlyOne() throws Exception {
        int threads = 8;
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger won = new AtomicInteger();
        Thread[] racers = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            int n = i;
            racers[i] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int k = 0; k < 100; k++) {
                    sink.chunk(n + ":" + k);
                }
                if (sink.fail(ErrorCode.UPSTREAM_ERROR, "from " + n)) {
                    won.incrementAndGet();
                }
            });
            racers[i].start();
        }
        go.countDown();
        for (Thread t : racers) {
            t.join();
        }
        assertEquals(1, won.get());
        recorder.awaitError(ErrorCode.UPSTREAM_ERROR); // also fails if any two calls overlapped
        recorder.assertNoMoreCalls(Duration.ZERO);
    }
}
