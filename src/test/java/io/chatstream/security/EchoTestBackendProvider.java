package io.chatstream.security;

import io.chatstream.backend.BackendContext;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import io.chatstream.event.FinishReason;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;

/**
 * {@code chat.backend=echo-test}, on the unit tests' class path only (its {@code META-INF/services} file is in
 * {@code src/test/echo-backend}, which Surefire adds; the dev server never lists it): streams back what it is given,
 * so a test knows every event a reply must carry.
 *
 * <p>Each {@code system} message becomes {@code reasoning}, each {@code user} message {@code chunk}s, in order, each
 * text cut at random places ({@link #pieces}: seeded by the model name {@code seed-N}, so the test computes the same
 * cuts), cuts inside surrogate pairs included; then {@code end} with {@code stop}. The pieces go out in batches of
 * random size from tasks of the shared scheduler, as a real backend's callbacks would come.
 */
public final class EchoTestBackendProvider implements ChatBackendProvider {

    /** One sink call: {@code reasoning} or {@code chunk}, and its text. */
    public record Piece(String type, String text) {
    }

    @Override
    public String name() {
        return "echo-test";
    }

    @Override
    public ChatBackend create(BackendContext context) {
        return new Echo(context.scheduler());
    }

    /** The pieces a reply to {@code request} streams, in order. */
    public static List<Piece> pieces(ChatRequest request) {
        Random random = new Random(seed(request.model()));
        List<Piece> out = new ArrayList<>();
        for (ChatMessage m : request.messages()) {
            String type = m.role() == ChatMessage.Role.SYSTEM ? "reasoning"
                    : m.role() == ChatMessage.Role.USER ? "chunk" : null;
            if (type == null) {
                continue;
            }
            String text = m.content();
            int at = 0;
            while (at < text.length()) {
                int n = 1 + random.nextInt(Math.min(text.length() - at, 1 + random.nextInt(40)));
                out.add(new Piece(type, text.substring(at, at + n)));
                at += n;
            }
        }
        return out;
    }

    private static long seed(String model) {
        if (model != null && model.startsWith("seed-")) {
            try {
                return Long.parseLong(model.substring(5));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }

    private static final class Echo implements ChatBackend {
        private final ScheduledExecutorService scheduler;

        Echo(ScheduledExecutorService scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public String defaultModel() {
            return "seed-0";
        }

        @Override
        public Generation start(ChatRequest request, ChatSink sink) {
            Reply reply = new Reply(pieces(request), sink, new Random(seed(request.model()) ^ 0x5DEECE66DL),
                    scheduler);
            scheduler.execute(reply);
            return reply;
        }
    }

    /** Emits a random number of pieces per run, then hands the rest to another scheduler task. */
    private static final class Reply implements Runnable, Generation {
        private final List<Piece> pieces;
        private final ChatSink sink;
        private final Random random;
        private final ScheduledExecutorService scheduler;
        private int next;
        private volatile boolean cancelled;

        Reply(List<Piece> pieces, ChatSink sink, Random random, ScheduledExecutorService scheduler) {
            this.pieces = pieces;
            this.sink = sink;
            this.random = random;
            this.scheduler = scheduler;
        }

        @Override
        public void run() {
            int batch = 1 + random.nextInt(8);
            for (int i = 0; i < batch && next < pieces.size() && !cancelled; i++) {
                Piece p = pieces.get(next++);
                if (p.type().equals("reasoning")) {
                    sink.reasoning(p.text());
                } else {
                    sink.chunk(p.text());
                }
            }
            if (cancelled) {
                return;
            }
            if (next < pieces.size()) {
                try {
                    scheduler.execute(this);
                } catch (RejectedExecutionException e) {
                    cancelled = true; // the webapp is stopping; its shutdown ends the stream
                }
                return;
            }
            sink.end(FinishReason.STOP, null);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }
}
