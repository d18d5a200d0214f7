package io.chatstream.tools;

import io.chatstream.backend.BackendContext;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * {@code chat.backend=tools-test}, on the unit tests' class path only: a model scripted by the last user message,
 * which records every request it gets.
 *
 * <ul>
 *   <li>{@code call a,b}: in the first round, the text {@code round 1. } then a call of each named tool (ids
 *       {@code call_1_0}, {@code call_1_1}, arguments {@code {"n":0}}, ...), ending with {@code tool_calls}; with
 *       tool results at the end of the history, {@code after tools: } and the results joined by {@code ; }, ending
 *       with {@code stop};</li>
 *   <li>{@code call-with a {...}}: one call of {@code a} with those arguments, then as above;</li>
 *   <li>{@code loop a}: the same calls in every round, never an answer;</li>
 *   <li>anything else: {@code no tools}, {@code stop}.</li>
 * </ul>
 * Every round reports usage 3 + 2, the answer 10 + 5.
 */
public final class ToolsTestBackendProvider implements ChatBackendProvider {

    static final BlockingQueue<ChatRequest> REQUESTS = new LinkedBlockingQueue<>();
    /** Rounds cancelled through their generation. */
    static final AtomicInteger CANCELLED = new AtomicInteger();

    @Override
    public String name() {
        return "tools-test";
    }

    @Override
    public ChatBackend create(BackendContext context) {
        ScheduledExecutorService scheduler = context.scheduler();
        return new ChatBackend() {
            @Override
            public io.chatstream.backend.Generation start(ChatRequest request, ChatSink sink) {
                REQUESTS.add(request);
                scheduler.execute(() -> reply(request, sink));
                return CANCELLED::incrementAndGet;
            }

            @Override
            public String defaultModel() {
                return "tools-scripted";
            }
        };
    }

    private static void reply(ChatRequest request, ChatSink sink) {
        String prompt = request.lastUserMessage();
        List<ChatMessage> messages = request.messages();
        ChatMessage last = messages.get(messages.size() - 1);
        boolean loop = prompt.startsWith("loop ");
        if (last.role() == ChatMessage.Role.TOOL && !loop) {
            String results = messages.stream().filter(m -> m.role() == ChatMessage.Role.TOOL)
                    .map(ChatMessage::content).collect(Collectors.joining("; "));
            sink.chunk("after tools: " + results);
            sink.end(FinishReason.STOP, new Usage(10, 5));
            return;
        }
        if (prompt.startsWith("call-with ")) {
            String[] nameAndArguments = prompt.substring(10).split(" ", 2);
            sink.toolCall(new ToolCall("call_1_0", nameAndArguments[0], nameAndArguments[1]));
            sink.end(FinishReason.TOOL_CALLS, new Usage(3, 2));
            return;
        }
        if (prompt.startsWith("call ") || loop) {
            int round = 1 + (int) messages.stream().filter(m -> !m.toolCalls().isEmpty()).count();
            sink.chunk("round " + round + ". ");
            String[] names = prompt.substring(5).split(",");
            for (int i = 0; i < names.length; i++) {
                sink.toolCall(new ToolCall("call_" + round + "_" + i, names[i].trim(), "{\"n\":" + i + "}"));
            }
            sink.end(FinishReason.TOOL_CALLS, new Usage(3, 2));
            return;
        }
        sink.chunk("no tools");
        sink.end(FinishReason.STOP, null);
    }
}
