package io.chatstream.page;

import io.chatstream.backend.BackendContext;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;

import java.util.concurrent.ScheduledExecutorService;

/**
 * {@code chat.backend=scripted-test}, on the unit tests' class path only (listed in {@code src/test/echo-backend}):
 * replies the page's tests cannot get from the demo, chosen by the last user message.
 *
 * <ul>
 *   <li>{@value #TOOL_CALL}: a {@code tool_call} for {@code get_weather}, then {@code end} with
 *       {@code tool_calls}: the model asks for a tool that nothing here runs;</li>
 *   <li>{@value #TOOL_RESULT}: the same {@code tool_call}, its {@code tool_result} ({@value #RESULT}), a
 *       {@code chunk}, {@code end} with {@code stop};</li>
 *   <li>anything else: a {@code chunk}, then an {@code error} {@code upstream_error}.</li>
 * </ul>
 */
public final class ScriptedTestBackendProvider implements ChatBackendProvider {

    public static final String TOOL_CALL = "call a tool";
    public static final String TOOL_RESULT = "call a tool and use its result";
    public static final ToolCall CALL = new ToolCall("call_7", "get_weather", "{\"city\":\"Paris\"}");
    /** Markup that must arrive as text. */
    public static final String RESULT = "<b onmouseover=\"alert(1)\">18 °C</b> & sunny";

    @Override
    public String name() {
        return "scripted-test";
    }

    @Override
    public ChatBackend create(BackendContext context) {
        ScheduledExecutorService scheduler = context.scheduler();
        return new ChatBackend() {
            @Override
            public Generation start(ChatRequest request, ChatSink sink) {
                String prompt = request.lastUserMessage();
                scheduler.execute(() -> reply(prompt, sink));
                return () -> { };
            }

            @Override
            public String defaultModel() {
                return "scripted";
            }
        };
    }

    private static void reply(String prompt, ChatSink sink) {
        if (TOOL_CALL.equals(prompt)) {
            sink.toolCall(CALL);
            sink.end(FinishReason.TOOL_CALLS, null);
        } else if (TOOL_RESULT.equals(prompt)) {
            sink.toolCall(CALL);
            sink.toolResult(CALL.id(), RESULT);
            sink.chunk("It is 18 °C in Paris.");
            sink.end(FinishReason.STOP, null);
        } else {
            sink.chunk("The start of an answer");
            sink.error(ErrorCode.UPSTREAM_ERROR, "upstream.example answered 502");
        }
    }
}
