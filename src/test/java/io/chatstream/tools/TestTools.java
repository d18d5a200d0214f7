package io.chatstream.tools;

import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Server tools for the tests, on the unit tests' class path only (listed in {@code src/test/echo-backend}), each
 * behaving one way: {@code echo} answers at once, {@code meet} waits on the blocking pool until a second call has
 * started too, {@code fail} throws, {@code hang} never answers, {@code whoami} answers with the principal.
 */
public final class TestTools {

    /** Two {@code meet} calls count it down; each waits for the other. */
    static volatile CountDownLatch meeting = new CountDownLatch(2);
    /** The contexts of {@code hang} calls, as they start. */
    static final BlockingQueue<ToolCallContext> HANGING = new LinkedBlockingQueue<>();
    /** The call ids whose cancellation signal fired. */
    static final Set<String> SIGNALLED = ConcurrentHashMap.newKeySet();

    private TestTools() {
    }

    static void reset() {
        meeting = new CountDownLatch(2);
        HANGING.clear();
        SIGNALLED.clear();
    }

    /** A tool of {@code name} whose call is {@code body}. */
    private record Tool(String name, Body body) implements ChatTool {
        @Override
        public String description() {
            return "a test tool";
        }

        @Override
        public String parametersSchema() {
            return "{\"type\":\"object\"}";
        }

        @Override
        public CompletionStage<String> call(ToolCallContext context) throws Exception {
            context.cancelled().thenRun(() -> SIGNALLED.add(context.callId()));
            return body.call(context);
        }
    }

    @FunctionalInterface
    private interface Body {
        CompletionStage<String> call(ToolCallContext context) throws Exception;
    }

    public static final class Echo implements ChatToolProvider {
        @Override
        public String name() {
            return "echo";
        }

        @Override
        public ChatTool create(ToolContext context) {
            return new Tool(name(), c -> CompletableFuture.completedFuture("echo " + c.arguments()));
        }
    }

    public static final class Meet implements ChatToolProvider {
        @Override
        public String name() {
            return "meet";
        }

        @Override
        public ChatTool create(ToolContext context) {
            return new Tool(name(), c -> context.blocking().submit(c, () -> {
                CountDownLatch m = meeting;
                m.countDown();
                return m.await(20, TimeUnit.SECONDS) ? "met" : "alone";
            }));
        }
    }

    public static final class Fail implements ChatToolProvider {
        @Override
        public String name() {
            return "fail";
        }

        @Override
        public ChatTool create(ToolContext context) {
            return new Tool(name(), c -> {
                throw new IllegalStateException("the warehouse is closed");
            });
        }
    }

    public static final class Hang implements ChatToolProvider {
        @Override
        public String name() {
            return "hang";
        }

        @Override
        public ChatTool create(ToolContext context) {
            return new Tool(name(), c -> {
                HANGING.add(c);
                return new CompletableFuture<>();
            });
        }
    }

    public static final class WhoAmI implements ChatToolProvider {
        @Override
        public String name() {
            return "whoami";
        }

        @Override
        public ChatTool create(ToolContext context) {
            return new Tool(name(), c -> CompletableFuture.completedFuture("principal " + c.principal()));
        }
    }
}
