package io.chatstream.tools;

import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import io.chatstream.backend.ToolChoice;
import io.chatstream.backend.ToolDefinition;
import io.chatstream.backend.testing.RecordingSink;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loop on its own, without HTTP: a backend whose rounds the test drives by hand, and tools whose results the
 * test completes when it wants, so that the order of events around a cancel is the test's to choose.
 */
class ToolLoopTest {

    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private final BlockingQueue<Round> rounds = new LinkedBlockingQueue<>();
    private final AtomicInteger cancels = new AtomicInteger();
    private final BlockingQueue<ToolCallContext> called = new LinkedBlockingQueue<>();
    private final CompletableFuture<String> pending = new CompletableFuture<>();

    private record Round(ChatRequest request, ChatSink sink) {
    }

    private final ChatBackend backend = new ChatBackend() {
        @Override
        public Generation start(ChatRequest request, ChatSink sink) {
            rounds.add(new Round(request, sink));
            return cancels::incrementAndGet;
        }

        @Override
        public String defaultModel() {
            return "hand";
        }
    };

    /** {@code slow}: answers when the test completes {@link #pending}. */
    private final ChatTool slow = new ChatTool() {
        @Override
        public String name() {
            return "slow";
        }

        @Override
        public String description() {
            return "answers late";
        }

        @Override
        public String parametersSchema() {
            return "{\"type\":\"object\"}";
        }

        @Override
        public java.util.concurrent.CompletionStage<String> call(ToolCallContext context) {
            called.add(context);
            return pending;
        }
    };

    private ServerTools tools(int maxRounds) {
        return new ServerTools(Map.of("slow", slow), Duration.ofSeconds(30), maxRounds, scheduler, null);
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private Round nextRound() throws InterruptedException {
        Round r = rounds.poll(10, TimeUnit.SECONDS);
        assertTrue(r != null, "a round was started");
        return r;
    }

    /** Waits until every task handed to the one scheduler thread so far has run. */
    private void drainScheduler() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        scheduler.execute(ran::countDown);
        assertTrue(ran.await(10, TimeUnit.SECONDS));
    }

    @Test
    void aResultThatComesAfterTheCancelIsDroppedAndNoRoundFollows() throws Exception {
        RecordingSink sink = new RecordingSink();
        Generation loop = tools(5).start(backend, ChatRequest.of("hi"), sink, "alice");
        Round first = nextRound();
        ToolCall call = new ToolCall("c1", "slow", "{}");
        first.sink().toolCall(call);
        first.sink().end(FinishReason.TOOL_CALLS, null);
        ToolCallContext context = called.poll(10, TimeUnit.SECONDS);
        assertEquals("alice", context.principal());

        loop.cancel();
        assertEquals(1, cancels.get(), "the round's upstream is cancelled");
        assertTrue(context.isCancelled(), "the tool's signal fired");
        pending.complete("late");
        drainScheduler();

        sink.assertToolCall(call);
        sink.assertNoMoreCalls(Duration.ofMillis(50));
        assertNull(rounds.poll(), "no next round");
        loop.cancel(); // idempotent
    }

    @Test
    void theServerToolsAreOfferedBesideTheClientsAndAForcedChoiceIsDroppedAfterTheFirstRound() throws Exception {
        ToolDefinition clientTool = new ToolDefinition("get_weather", "", "{\"type\":\"object\"}");
        ToolDefinition clientSlow = new ToolDefinition("slow", "the client's own", "{\"type\":\"object\"}");
        ChatRequest request = ChatRequest.of("hi").withTools(List.of(clientTool), ToolChoice.REQUIRED);
        RecordingSink sink = new RecordingSink();
        tools(5).start(backend, request, sink, null);
        Round first = nextRound();
        assertEquals(List.of("get_weather", "slow"), first.request().tools().stream().map(ToolDefinition::name)
                .toList());
        assertEquals(ToolChoice.REQUIRED, first.request().toolChoice());
        first.sink().toolCall(new ToolCall("c1", "slow", "{}"));
        first.sink().end(FinishReason.TOOL_CALLS, new Usage(1, 1));
        pending.complete("done");
        Round second = nextRound();
        assertNull(second.request().toolChoice(), "not forced again");
        second.sink().chunk("ok");
        second.sink().end(FinishReason.STOP, new Usage(2, 2));
        RecordingSink.Reply reply = sink.awaitReply();
        assertEquals(new Usage(3, 3), reply.end().usage());

        // a client tool of the same name wins: the call is the client's
        RecordingSink shadowed = new RecordingSink();
        tools(5).start(backend, ChatRequest.of("hi").withTools(List.of(clientSlow), null), shadowed, null);
        Round own = nextRound();
        assertEquals(List.of(clientSlow), own.request().tools());
        own.sink().toolCall(new ToolCall("c2", "slow", "{}"));
        own.sink().end(FinishReason.TOOL_CALLS, null);
        assertEquals(FinishReason.TOOL_CALLS, shadowed.awaitReply().end().reason());
        assertEquals(1, called.size(), "only the first reply's call ran here");
    }

    @Test
    void anErrorOfALaterRoundIsTheOneTerminalEvent() throws Exception {
        pending.complete("r");
        RecordingSink sink = new RecordingSink();
        tools(5).start(backend, ChatRequest.of("hi"), sink, null);
        Round first = nextRound();
        first.sink().toolCall(new ToolCall("c1", "slow", "{}"));
        first.sink().end(FinishReason.TOOL_CALLS, null);
        Round second = nextRound();
        second.sink().error(io.chatstream.event.ErrorCode.UPSTREAM_ERROR, "gone");
        second.sink().end(FinishReason.STOP, null); // a misbehaving backend: ignored after the terminal call
        assertEquals("gone", sink.awaitError(io.chatstream.event.ErrorCode.UPSTREAM_ERROR));
        first.sink().chunk("stale round");
        sink.assertNoMoreCalls(Duration.ofMillis(50));
    }
}
