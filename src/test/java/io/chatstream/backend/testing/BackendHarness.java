package io.chatstream.backend.testing;

import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.Generation;
import io.chatstream.event.ErrorCode;
import io.chatstream.time.ManualScheduler;
import org.junit.jupiter.params.provider.Arguments;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One dialect's backend against a {@link FakeUpstream}, with the checks every dialect must pass: a transcript
 * streams exactly however the upstream splits its writes, a failure is one error that names the upstream and never
 * shows the key, silence is a timeout that closes the connection, and a cancel closes it within one second.
 *
 * <p>Holds two contexts, one with the default idle timeout and one with a 1 s idle timeout; close it after the test
 * class.
 *
 * @param <B> the backend type, so that a test can reach its own settings
 */
public final class BackendHarness<B extends ChatBackend> implements AutoCloseable {

    /** Builds the backend under test for a context and a fake upstream. */
    @FunctionalInterface
    public interface Factory<B> {
        B backend(TestBackendContext context, FakeUpstream fake);
    }

    private final TestBackendContext context = new TestBackendContext();
    private final TestBackendContext quickIdle = new TestBackendContext(Map.of(), Duration.ofSeconds(1));
    /** The idle timer of {@link #assertSilenceTimesOutAndCloses} runs on this clock, which the test moves. */
    private final ManualScheduler clock = new ManualScheduler();
    private final TestBackendContext manualIdle = new TestBackendContext(Map.of(), Duration.ofSeconds(1), clock);
    private final String contentType;
    private final String key;
    private final Factory<B> factory;

    /**
     * @param contentType the content type of a streamed reply
     * @param key the API key the backend sends, never to be seen in a message; {@code null} when it sends none
     * @param factory builds the backend under test
     */
    public BackendHarness(String contentType, String key, Factory<B> factory) {
        this.contentType = contentType;
        this.key = key;
        this.factory = factory;
    }

    /** The context with the default idle timeout. */
    public TestBackendContext context() {
        return context;
    }

    /** The backend under test with the default idle timeout. */
    public B backend(FakeUpstream fake) {
        return factory.backend(context, fake);
    }

    /** The backend under test with a 1 s idle timeout. */
    public B quickIdleBackend(FakeUpstream fake) {
        return factory.backend(quickIdle, fake);
    }

    /**
     * Each transcript, with its own and with CRLF line ends, written whole, one byte per write and cut inside
     * characters: arguments (transcript, name, splits) for a parameterized test.
     */
    public static Stream<Arguments> hostileWrites(List<Transcripts.Transcript> transcripts, String wholeName) {
        List<Arguments> all = new ArrayList<>();
        for (Transcripts.Transcript t : transcripts) {
            for (Transcripts.Transcript variant : List.of(t, t.withLineEnds("\r\n"))) {
                all.add(Arguments.of(variant, wholeName, FakeUpstream.Splits.whole()));
                all.add(Arguments.of(variant, "one byte per write", FakeUpstream.Splits.oneByte()));
                all.add(Arguments.of(variant, "cut inside characters", FakeUpstream.Splits.insideCharacters()));
            }
        }
        return all.stream();
    }

    /** The transcript, written with these splits, is decoded to exactly its reply and nothing more. */
    public void assertStreamsExactly(Transcripts.Transcript transcript, FakeUpstream.Splits splits) throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(ex -> {
            ex.respond(200, contentType).write(transcript.bytes(), splits);
            ex.end();
        })) {
            RecordingSink sink = new RecordingSink();
            backend(fake).start(ChatRequest.of("你好"), sink);
            Decoding.assertReply(transcript, sink.awaitReply());
            sink.assertExhausted();
        }
    }

    /**
     * Runs one reply against an upstream answering with {@code handler} and returns the message of its one error,
     * which must have this code, name the upstream and not show the key.
     */
    public String failWith(FakeUpstream.Handler handler, ErrorCode code) throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(handler)) {
            RecordingSink sink = new RecordingSink();
            backend(fake).start(ChatRequest.of("x"), sink);
            String message = sink.awaitError(code);
            if (key != null) {
                assertFalse(message.contains(key), message);
            }
            assertTrue(message.contains("127.0.0.1:" + fake.port()), "names the upstream: " + message);
            sink.assertNoMoreCalls(Duration.ofMillis(200));
            return message;
        }
    }

    /**
     * After the headers and {@code firstWrite}, the upstream says nothing: with a 1 s idle timeout the reply ends
     * with one timeout error a second after the last activity, not before, and the connection is closed.
     *
     * @param firstChunk the chunk {@code firstWrite} carries, or {@code null} when it carries none
     */
    public void assertSilenceTimesOutAndCloses(String firstWrite, String firstChunk) throws Exception {
        CompletableFuture<Boolean> closed = new CompletableFuture<>();
        try (FakeUpstream fake = FakeUpstream.start(ex -> {
            ex.respond(200, contentType).write(firstWrite);
            closed.complete(ex.awaitClientClose(Duration.ofSeconds(5)));
        })) {
            RecordingSink sink = new RecordingSink();
            String message;
            if (firstChunk != null) {
                // the chunk shows the last activity came: from then on only the test's clock moves the idle timer
                factory.backend(manualIdle, fake).start(ChatRequest.of("x"), sink);
                sink.assertChunk(firstChunk);
                clock.advance(Duration.ofMillis(999));
                sink.assertExhausted();
                clock.advance(Duration.ofMillis(1));
                message = sink.awaitError(ErrorCode.UPSTREAM_TIMEOUT);
            } else {
                // nothing shows when the first write came, so real time: not before the idle timeout, counted from
                // before the call began; and not long after it
                long t0 = System.nanoTime();
                quickIdleBackend(fake).start(ChatRequest.of("x"), sink);
                message = sink.awaitError(ErrorCode.UPSTREAM_TIMEOUT);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(ms >= 1000 && ms < 4000, "timed out after " + ms + " ms");
            }
            assertTrue(message.contains("nothing received for 1 s"), message);
            assertTrue(closed.get(5, TimeUnit.SECONDS), "the upstream connection was closed");
        }
    }

    /**
     * A cancel after the first chunk closes the upstream connection within one second, no call follows, and a
     * second cancel does nothing.
     */
    public void assertCancelMidStreamClosesWithinOneSecond(String firstWrite, String firstChunk) throws Exception {
        CompletableFuture<Long> closedAt = new CompletableFuture<>();
        try (FakeUpstream fake = FakeUpstream.start(ex -> {
            ex.respond(200, contentType).write(firstWrite);
            boolean closed = ex.awaitClientClose(Duration.ofSeconds(5));
            closedAt.complete(closed ? System.nanoTime() : -1L);
        })) {
            RecordingSink sink = new RecordingSink();
            Generation generation = backend(fake).start(ChatRequest.of("x"), sink);
            sink.assertChunk(firstChunk);
            long cancelledAt = System.nanoTime();
            generation.cancel();
            long at = closedAt.get(5, TimeUnit.SECONDS);
            assertTrue(at > 0, "the upstream never saw the connection closed");
            long ms = TimeUnit.NANOSECONDS.toMillis(at - cancelledAt);
            assertTrue(ms < 1000, "closed " + ms + " ms after cancel");
            sink.assertNoMoreCalls(Duration.ofMillis(300));
            generation.cancel();
            sink.assertNoMoreCalls(Duration.ofMillis(50));
        }
    }

    /** A cancel before the response headers closes the connection within one second and no call follows. */
    public void assertCancelBeforeHeadersClosesWithinOneSecond() throws Exception {
        CountDownLatch received = new CountDownLatch(1);
        CompletableFuture<Long> closedAt = new CompletableFuture<>();
        try (FakeUpstream fake = FakeUpstream.start(ex -> {
            received.countDown();
            boolean closed = ex.awaitClientClose(Duration.ofSeconds(5));
            closedAt.complete(closed ? System.nanoTime() : -1L);
        })) {
            RecordingSink sink = new RecordingSink();
            Generation generation = backend(fake).start(ChatRequest.of("x"), sink);
            assertTrue(received.await(5, TimeUnit.SECONDS));
            long cancelledAt = System.nanoTime();
            generation.cancel();
            long at = closedAt.get(5, TimeUnit.SECONDS);
            assertTrue(at > 0, "the upstream never saw the connection closed");
            long ms = TimeUnit.NANOSECONDS.toMillis(at - cancelledAt);
            assertTrue(ms < 1000, "closed " + ms + " ms after cancel");
            sink.assertNoMoreCalls(Duration.ofMillis(300));
        }
    }

    @Override
    public void close() {
        context.close();
        quickIdle.close();
        manualIdle.close();
    }
}
