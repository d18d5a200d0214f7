package io.chatstream.stream;

import io.chatstream.backend.ChatRequest;
import io.chatstream.config.ChatConfig;
import io.chatstream.config.Settings;
import io.chatstream.event.FinishReason;
import io.chatstream.time.ManualScheduler;
import io.chatstream.tools.ServerTools;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry's drain (a stopping cluster node's): readers are told to go, new generations are refused, the running
 * ones go on, no detach grace cancels them, and those still running when the drain time is over end interrupted.
 */
class StreamDrainTest {

    private final ManualScheduler clock = new ManualScheduler();
    private final ManualBackend manual = new ManualBackend();
    /** Logs whose end is written only when the test says: as a shared log's is, later. */
    private final CompletableFuture<Void> firstFlushed = new CompletableFuture<>();

    private final StreamRegistry registry = new StreamRegistry(ChatConfig.load(Settings.of(Map.of(
            "chat.stream.detach-grace-seconds", "0"))), manual, "manual", clock, StreamObserver.NONE,
            SecretMasker.NONE, ServerTools.NONE, id -> new ForwardingLog(new MemoryEventLog()) {
                @Override
                public CompletableFuture<Void> flushed() {
                    return firstFlushed;
                }
            }, clock);

    @Test
    void theRunningRepliesGoOnUntilTheyEndOrTheDrainTimeIsOver() throws Exception {
        ChatStream finishing = registry.open(ChatRequest.of("x"), "c", null, null);
        ChatStream hanging = registry.open(ChatRequest.of("y"), "c", null, null);
        CountingReader reader = new CountingReader();
        finishing.attach(reader);
        assertFalse(registry.draining());

        CompletableFuture<Void> drain = CompletableFuture.runAsync(
                () -> registry.drain(Duration.ofSeconds(1), Duration.ofMillis(800), Duration.ofSeconds(1)));
        reader.closed.get(5, TimeUnit.SECONDS); // told to reconnect elsewhere
        assertTrue(registry.draining());
        StreamRegistry.RefusedException refused = assertThrows(StreamRegistry.RefusedException.class,
                () -> registry.open(ChatRequest.of("z"), "d", null, null));
        assertEquals(StreamRegistry.Refusal.TOO_MANY, refused.refusal());
        clock.advance(Duration.ofMinutes(1));
        assertEquals(0, manual.cancels.get(), "no detach grace, no cancel: the generations go on");

        manual.sinks.get(0).chunk("on");
        manual.sinks.get(0).end(FinishReason.STOP, null);
        assertFalse(drain.isDone(), "the end is not written to the log yet");
        firstFlushed.complete(null);

        drain.get(5, TimeUnit.SECONDS);
        assertEquals("{\"type\":\"end\",\"finish_reason\":\"stop\"}", last(finishing));
        assertTrue(last(hanging).startsWith("{\"type\":\"error\",\"code\":\"interrupted\""), last(hanging));
        assertEquals(1, manual.cancels.get(), "only the interrupted one's generation is cancelled");
    }

    private static String last(ChatStream s) {
        return new String(s.json(s.lastSeq()), StandardCharsets.UTF_8);
    }
}
