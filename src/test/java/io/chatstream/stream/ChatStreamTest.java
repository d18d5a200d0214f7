package io.chatstream.stream;

import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import io.chatstream.config.ChatConfig;
import io.chatstream.config.Settings;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.Usage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stream's own rules, without a container: exactly one terminal event, the stream owns its end. */
class ChatStreamTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final ManualBackend manual = new ManualBackend();
    private final AtomicInteger cancels = manual.cancels;
    private final List<ChatSink> sinks = manual.sinks;


    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private StreamRegistry registry(Map<String, String> settings) {
        return new StreamRegistry(ChatConfig.load(Settings.of(settings)), manual, "manual", scheduler,
                StreamObserver.NONE);
    }

    private static List<String> types(ChatStream s) {
        List<String> types = new ArrayList<>();
        for (int seq = 1; seq <= s.lastSeq(); seq++) {
            String json = new String(s.json(seq), StandardCharsets.UTF_8);
            types.add(json.substring(9, json.indexOf('"', 9)));
        }
        return types;
    }

    @Test
    void startThenContentThenExactlyOneTerminal() throws Exception {
        StreamRegistry reg = registry(Map.of());
        ChatStream s = reg.open(ChatRequest.of("hi"), "c", null, null);
        ChatSink sink = sinks.get(0);
        sink.reasoning("think");
        sink.chunk("a");
        sink.chunk("");
        sink.end(FinishReason.STOP, new Usage(1, 1));
        sink.chunk("late");
        sink.error(ErrorCode.INTERNAL, "late");
        sink.end(FinishReason.STOP, null);
        assertEquals(List.of("start", "reasoning", "chunk", "end"), types(s));
        assertEquals(1, s.chunkEvents(), "the empty and the late chunk are not events");
        assertEquals(1, s.reasoningEvents());
        assertTrue(s.isTerminated());
        assertFalse(s.cancel(), "cancelling an ended stream does nothing");
        assertEquals(0, cancels.get());
        assertEquals(0, reg.running());
    }

    @Test
    void cancelEndsTheStreamItselfAndCancelsTheBackendOnce() throws Exception {
        StreamRegistry reg = registry(Map.of());
        ChatStream s = reg.open(ChatRequest.of("hi"), "c", null, null);
        sinks.get(0).chunk("a");
        assertTrue(s.cancel());
        assertFalse(s.cancel());
        sinks.get(0).chunk("after the cancel");
        sinks.get(0).end(FinishReason.STOP, null);
        assertEquals(List.of("start", "chunk", "end"), types(s));
        assertTrue(new String(s.json(3), StandardCharsets.UTF_8).contains("\"cancelled\""));
        assertEquals(1, cancels.get());
    }

    @Test
    void aReplyThatOutgrowsTheBoundEndsWithLength() throws Exception {
        StreamRegistry reg = registry(Map.of("chat.stream.max-bytes", "4096"));
        ChatStream s = reg.open(ChatRequest.of("hi"), "c", null, null);
        for (int i = 0; i < 1000 && !s.isTerminated(); i++) {
            sinks.get(0).chunk("0123456789".repeat(10));
        }
        assertTrue(s.isTerminated());
        String last = new String(s.json(s.lastSeq()), StandardCharsets.UTF_8);
        assertEquals("{\"type\":\"end\",\"finish_reason\":\"length\"}", last);
        assertEquals(1, cancels.get(), "the backend is told to stop");
    }

    @Test
    void idempotencyKeyIsPerClient() throws Exception {
        StreamRegistry reg = registry(Map.of());
        ChatStream a = reg.open(ChatRequest.of("x"), "client-1", null, "k");
        assertSame(a, reg.open(ChatRequest.of("x"), "client-1", null, "k"));
        ChatStream b = reg.open(ChatRequest.of("x"), "client-2", null, "k");
        assertFalse(a == b);
        assertEquals(2, sinks.size(), "one generation per client and key");
    }

    @Test
    void limitsCountRunningGenerationsOnly() throws Exception {
        StreamRegistry reg = registry(Map.of("chat.limits.max-streams-per-client", "2", "chat.limits.max-streams", "3"));
        reg.open(ChatRequest.of("x"), "a", null, null);
        ChatStream second = reg.open(ChatRequest.of("x"), "a", null, null);
        StreamRegistry.RefusedException perClient = assertThrows(StreamRegistry.RefusedException.class,
                () -> reg.open(ChatRequest.of("x"), "a", null, null));
        assertEquals(StreamRegistry.Refusal.TOO_MANY_FOR_CLIENT, perClient.refusal());
        reg.open(ChatRequest.of("x"), "b", null, null);
        StreamRegistry.RefusedException all = assertThrows(StreamRegistry.RefusedException.class,
                () -> reg.open(ChatRequest.of("x"), "c", null, null));
        assertEquals(StreamRegistry.Refusal.TOO_MANY, all.refusal());
        second.cancel();
        assertEquals(2, reg.running());
        reg.open(ChatRequest.of("x"), "c", null, null);
    }

    static List<Throwable> startFailures() {
        return List.of(new IllegalStateException("boom"),
                new NoClassDefFoundError("com/example/boom/MissingClient"), // a custom backend's missing dependency
                new ExceptionInInitializerError("boom"));
    }

    @ParameterizedTest
    @MethodSource("startFailures")
    void aBackendThatThrowsEndsTheStreamWithAnInternalError(Throwable failure) throws Exception {
        ChatBackend broken = new ChatBackend() {
            @Override
            public Generation start(ChatRequest request, ChatSink sink) {
                if (failure instanceof RuntimeException e) {
                    throw e;
                }
                throw (Error) failure;
            }

            @Override
            public String defaultModel() {
                return "broken";
            }
        };
        StreamRegistry reg = new StreamRegistry(ChatConfig.load(Settings.of(Map.of())), broken, "broken", scheduler,
                StreamObserver.NONE);
        ChatStream s = reg.open(ChatRequest.of("x"), "c", null, null);
        assertEquals(List.of("start", "error"), types(s));
        assertFalse(new String(s.json(2), StandardCharsets.UTF_8).contains("boom"), "no internals to the client");
        assertEquals(0, reg.running());
    }

    @Test
    void shutdownEndsEveryReaderWithoutATerminalEvent() throws Exception {
        StreamRegistry reg = registry(Map.of());
        ChatStream s = reg.open(ChatRequest.of("x"), "c", null, null);
        List<Long> retries = new ArrayList<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        s.attach(new StreamReader() {
            @Override
            public void wake() {
            }

            @Override
            public void shutdown(long retryMillis) {
                retries.add(retryMillis);
                closed.complete(null);
            }

            @Override
            public CompletableFuture<Void> closed() {
                return closed;
            }

            @Override
            public void abort() {
                throw new AssertionError("a reader that finished its shutdown is not aborted");
            }
        });
        reg.shutdown();
        assertEquals(1, retries.size());
        assertTrue(retries.get(0) >= 3000 && retries.get(0) <= 9000);
        assertEquals(List.of("start"), types(s));
        assertEquals(1, cancels.get());
        assertNull(reg.find(s.id()));
        assertThrows(StreamRegistry.RefusedException.class, () -> reg.open(ChatRequest.of("x"), "c", null, null));
    }
}
