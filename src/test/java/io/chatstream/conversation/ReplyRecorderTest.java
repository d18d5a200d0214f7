package io.chatstream.conversation;

import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.config.ChatConfig;
import io.chatstream.config.Settings;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;
import io.chatstream.store.Conversation;
import io.chatstream.store.ConversationStore;
import io.chatstream.store.ConversationStores;
import io.chatstream.store.Message;
import io.chatstream.store.MessageStatus;
import io.chatstream.store.StoreConfig;
import io.chatstream.stream.ChatStream;
import io.chatstream.stream.ConversationReply;
import io.chatstream.stream.StreamRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The recorder against the embedded database: checkpoints go by the injected clock, the end of a stream decides
 * the status, and nothing waits. The store has one thread, so a read queued after a save sees it.
 */
class ReplyRecorderTest {

    private static final String OWNER = "user:test";

    @TempDir
    Path dir;
    private ExecutorService storeThread;
    private ScheduledThreadPoolExecutor scheduler;
    private ConversationStore store;
    private ManualClock clock;
    private ReplyRecorder recorder;
    private StreamRegistry registry;
    private volatile ChatSink sink;

    @BeforeEach
    void setUp() {
        storeThread = Executors.newSingleThreadExecutor();
        scheduler = new ScheduledThreadPoolExecutor(1);
        store = ConversationStores.open(StoreConfig.load(Settings.of(Map.of("chat.store.dir", dir.toString()))),
                storeThread, getClass().getClassLoader());
        clock = new ManualClock();
        recorder = new ReplyRecorder(store, scheduler, clock, Duration.ofSeconds(5));
        ChatBackend manual = new ChatBackend() {
            @Override
            public io.chatstream.backend.Generation start(ChatRequest request, ChatSink s) {
                sink = s;
                return () -> { };
            }

            @Override
            public String defaultModel() {
                return "manual";
            }
        };
        registry = new StreamRegistry(ChatConfig.load(Settings.of(Map.of())), manual, "manual", scheduler,
                recorder);
    }

    @AfterEach
    void tearDown() throws Exception {
        recorder.close();
        scheduler.shutdownNow();
        storeThread.shutdown();
        storeThread.awaitTermination(5, TimeUnit.SECONDS);
        store.close();
    }

    /** A conversation with one user message, and a running reply to it; returns the reply's id. */
    private String begin(String conversationId, ChatStream[] out) throws Exception {
        long now = clock.millis();
        await(store.create(new Conversation(conversationId, OWNER, null, null, false, null, now, now)));
        Message user = Message.user(UUID.randomUUID().toString(), conversationId, null, "hi", now);
        String replyId = UUID.randomUUID().toString();
        ChatStream stream = registry.open(ChatRequest.of("hi"), null, "client", null, null,
                new ConversationReply(conversationId, replyId, user.id()));
        out[0] = stream;
        await(recorder.begin(stream, OWNER, user, Message.streamingReply(replyId, conversationId, user.id(),
                stream.model(), stream.id(), now), "hi"));
        return replyId;
    }

    private Message saved(String conversationId, String messageId) throws Exception {
        return await(store.find(OWNER, conversationId)).orElseThrow().message(messageId).orElseThrow();
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void checkpointsGoByTheClockAndTheEndSavesEverything() throws Exception {
        ChatStream[] s = new ChatStream[1];
        String c = UUID.randomUUID().toString();
        String reply = begin(c, s);
        sink.reasoning("hmm");
        sink.chunk("Hel");

        clock.advance(Duration.ofSeconds(4));
        recorder.checkpointDue();
        assertEquals("", saved(c, reply).content(), "not yet a checkpoint period since the reply began");

        clock.advance(Duration.ofSeconds(1));
        recorder.checkpointDue();
        Message mid = saved(c, reply);
        assertEquals("Hel", mid.content());
        assertEquals("hmm", mid.reasoning());
        assertEquals(MessageStatus.STREAMING, mid.status());

        sink.chunk("lo");
        sink.toolCall(new ToolCall("call-1", "lookup", "{\"q\":1}"));
        sink.end(FinishReason.TOOL_CALLS, new Usage(3, 4));
        Message end = saved(c, reply);
        assertEquals("Hello", end.content());
        assertEquals(MessageStatus.DONE, end.status());
        assertEquals(new Message.TokenUsage(3, 4), end.usage());
        assertEquals("[{\"id\":\"call-1\",\"type\":\"function\",\"function\":{\"name\":\"lookup\","
                + "\"arguments\":\"{\\\"q\\\":1}\"}}]", end.toolCalls());
        assertEquals(0, recorder.running(), "forgotten once saved");
    }

    @Test
    void aCancelledStreamIsStoppedAndAnErrorIsAnErrorEachWithWhatArrived() throws Exception {
        ChatStream[] s = new ChatStream[1];
        String c1 = UUID.randomUUID().toString();
        String r1 = begin(c1, s);
        sink.chunk("part");
        s[0].cancel();
        assertEquals(MessageStatus.STOPPED, saved(c1, r1).status());
        assertEquals("part", saved(c1, r1).content());

        String c2 = UUID.randomUUID().toString();
        String r2 = begin(c2, s);
        sink.chunk("half");
        sink.error(ErrorCode.UPSTREAM_ERROR, "upstream broke");
        assertEquals(MessageStatus.ERROR, saved(c2, r2).status());
        assertEquals("half", saved(c2, r2).content());
    }

    @Test
    void theWebappStoppingSavesRunningRepliesAsErrors() throws Exception {
        ChatStream[] s = new ChatStream[1];
        String c = UUID.randomUUID().toString();
        String reply = begin(c, s);
        sink.chunk("cut short");
        registry.shutdown();
        recorder.close();
        Message m = saved(c, reply);
        assertEquals(MessageStatus.ERROR, m.status());
        assertEquals("cut short", m.content());
    }

    @Test
    void aStreamOfNoConversationIsNotRecorded() throws Exception {
        ChatStream plain = registry.open(ChatRequest.of("hi"), "client", null, null);
        assertNull(plain.conversationReply());
        sink.chunk("x");
        sink.end(FinishReason.STOP, null);
        assertEquals(0, recorder.running());
    }

    /** A clock the test moves. */
    static final class ManualClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
