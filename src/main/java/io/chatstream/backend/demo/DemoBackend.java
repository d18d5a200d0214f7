package io.chatstream.backend.demo;

import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;
import io.chatstream.time.Ticker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A backend that needs nothing outside the process ({@code SPEC.md} section 8): a deterministic reply, a short
 * reasoning part then a markdown answer (heading, list, code block, link) quoting the last user message verbatim,
 * one token every {@code 1 / chat.demo.tokens-per-second} seconds.
 *
 * <p>Every reply is a timer on a {@link TokenClock} (one per scheduler thread) that the shared scheduler turns each
 * millisecond while some reply runs: no thread or task per reply, no sleeping.
 * {@code chat.demo.reply-tokens=N} (N &gt; 0) makes the answer exactly N {@code chunk} events of one token each,
 * the natural text repeated or cut to fit. {@code max_tokens} cuts the answer with {@code finish_reason: "length"}.
 *
 * <p>Tools: offered a {@code time} or {@code calculator} tool (the server's, {@code chat.tools}) and asked for the
 * time or some arithmetic, the reply is a call of that tool ending with {@code tool_calls}; with tool results at the
 * end of the history, the answer puts them in words ({@link DemoToolUse}).
 */
public final class DemoBackend implements ChatBackend {

    /** A token: a run of non-space characters with the spaces after it, or a run of spaces at the start. */
    private static final Pattern TOKEN = Pattern.compile("\\s+|\\S+\\s*");
    private static final Map<String, String> TEMPLATE_TOKENS = templateTokens();

    /** One clock per scheduler thread, so that under load every thread serves (and writes for) its share. */
    private final TokenClock[] clocks;
    private final AtomicInteger nextClock = new AtomicInteger();
    private final long intervalNanos;
    private final int replyTokens;
    private final AtomicLong callIds = new AtomicLong();

    /**
     * @param tokensPerSecond pace, above 0
     * @param replyTokens     0 for the natural reply, N for exactly N answer tokens
     */
    public DemoBackend(ScheduledExecutorService scheduler, double tokensPerSecond, int replyTokens) {
        this(scheduler, Ticker.SYSTEM, tokensPerSecond, replyTokens);
    }

    /**
     * @param ticker the time the pace is kept in; the scheduler's own clock must agree with it (a test gives a
     *               {@code ManualScheduler} as both)
     */
    public DemoBackend(ScheduledExecutorService scheduler, Ticker ticker, double tokensPerSecond, int replyTokens) {
        if (!(tokensPerSecond > 0)) {
            throw new IllegalArgumentException("tokensPerSecond must be above 0");
        }
        int threads = scheduler instanceof ThreadPoolExecutor pool ? Math.max(1, pool.getCorePoolSize()) : 1;
        this.clocks = new TokenClock[threads];
        for (int i = 0; i < threads; i++) {
            clocks[i] = new TokenClock(scheduler, ticker);
        }
        this.intervalNanos = Math.max(1, Math.round(1_000_000_000d / tokensPerSecond));
        this.replyTokens = replyTokens;
    }

    @Override
    public String defaultModel() {
        return "demo";
    }

    @Override
    public Generation start(ChatRequest request, ChatSink sink) {
        ToolCall call = DemoToolUse.callFor(request, "call_demo_" + callIds.incrementAndGet());
        String afterTools = call == null ? DemoToolUse.answerAfterTools(request) : null;
        List<String> reasoning;
        List<String> answer;
        int answerSize;
        if (call != null) {
            reasoning = tokens("The user asks something the `" + call.name() + "` tool knows. I will call it.");
            answer = List.of();
            answerSize = 0;
        } else if (afterTools != null) {
            reasoning = tokens("The tool has answered. I will put its result in words.");
            answer = tokens(afterTools);
            answerSize = answer.size();
        } else {
            reasoning = shared(tokens(reasoningText(request)));
            answer = shared(tokens(answerText(request)));
            answerSize = replyTokens > 0 ? replyTokens : answer.size();
        }
        int limit = request.maxTokens() == null ? answerSize : Math.min(answerSize, request.maxTokens());
        Reply reply = new Reply(sink, reasoning, answer, answerSize, limit, call, promptTokens(request),
                intervalNanos);
        TokenClock clock = clocks[Math.floorMod(nextClock.getAndIncrement(), clocks.length)];
        reply.due = clock.now() + intervalNanos;
        clock.add(reply);
        return reply;
    }

    @Override
    public void close() {
        for (TokenClock clock : clocks) {
            clock.close();
        }
    }

    /** The reasoning text of a reply to {@code request}. */
    public static String reasoningText(ChatRequest request) {
        int chars = request.lastUserMessage().codePointCount(0, request.lastUserMessage().length());
        return "The user sent " + chars + " characters. I will quote them back inside a short markdown answer.";
    }

    /** The natural answer to {@code request}: markdown that holds the last user message verbatim. */
    public static String answerText(ChatRequest request) {
        return "## Demo reply\n\n"
                + "This answer comes from the built-in **demo backend**: no model, no network. You wrote:\n\n"
                + request.lastUserMessage() + "\n\n"
                + "What a real backend streams the same way:\n\n"
                + "- reasoning, shown apart from the answer\n"
                + "- markdown, rendered as it grows\n"
                + "- code blocks with highlighting\n\n"
                + "```java\n"
                + "record Greeting(String text) {}\n"
                + "System.out.println(new Greeting(\"hello\"));\n"
                + "```\n\n"
                + "Read about [server-sent events](https://html.spec.whatwg.org/multipage/server-sent-events.html).\n";
    }

    /** Splits text into tokens whose concatenation is exactly {@code text}. */
    public static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher m = TOKEN.matcher(text);
        while (m.find()) {
            tokens.add(m.group());
        }
        return tokens;
    }

    /**
     * The same tokens, each fixed word of the demo's texts replaced by one shared instance: a running reply then
     * holds its own strings only for the user's words, not a copy of the whole template (with ten thousand replies
     * running that is 40 MB less).
     */
    private static List<String> shared(List<String> tokens) {
        String[] out = new String[tokens.size()];
        for (int i = 0; i < out.length; i++) {
            String t = tokens.get(i);
            out[i] = TEMPLATE_TOKENS.getOrDefault(t, t);
        }
        return List.of(out);
    }

    private static Map<String, String> templateTokens() {
        ChatRequest sample = ChatRequest.of("x");
        Map<String, String> m = new HashMap<>();
        for (String t : tokens(reasoningText(sample) + answerText(sample))) {
            m.putIfAbsent(t, t);
        }
        return Map.copyOf(m);
    }

    private static long promptTokens(ChatRequest request) {
        long n = 0;
        for (ChatMessage m : request.messages()) {
            n += tokens(m.content()).size();
        }
        return n;
    }

    /** One reply: each time its timer fires it emits the tokens that are due. */
    private static final class Reply extends TokenClock.Timer implements Generation {
        private final ChatSink sink;
        private final List<String> reasoning;
        /** The natural answer; with chat.demo.reply-tokens it is repeated or cut to answerSize tokens. */
        private final List<String> answer;
        private final int answerSize;
        private final int limit;
        /** The tool call that ends this reply, or null. */
        private final ToolCall call;
        private final long promptTokens;
        private final long intervalNanos;
        private int next;
        private volatile boolean cancelled;

        Reply(ChatSink sink, List<String> reasoning, List<String> answer, int answerSize, int limit, ToolCall call,
              long promptTokens, long intervalNanos) {
            this.sink = sink;
            this.reasoning = reasoning;
            this.answer = answer;
            this.answerSize = answerSize;
            this.limit = limit;
            this.call = call;
            this.promptTokens = promptTokens;
            this.intervalNanos = intervalNanos;
        }

        @Override
        boolean fire(long now) {
            do {
                if (cancelled || !emitNext()) {
                    return false;
                }
                due += intervalNanos;
            } while (due <= now);
            return true;
        }

        /** Whatever {@link #fire} threw: the clock has dropped the reply; it ends with {@code internal}. */
        @Override
        void failed(Throwable error) {
            cancelled = true;
            sink.error(ErrorCode.INTERNAL, "The demo backend failed.");
        }

        @Override
        boolean isCancelled() {
            return cancelled;
        }

        /** Emits the next token, or the end; false once the end is out. */
        private boolean emitNext() {
            int i = next++;
            if (i < reasoning.size()) {
                sink.reasoning(reasoning.get(i));
                return true;
            }
            int a = i - reasoning.size();
            if (a < limit) {
                sink.chunk(answer.get(a % answer.size()));
                if (a + 1 < limit) {
                    return true;
                }
            }
            FinishReason reason = limit < answerSize ? FinishReason.LENGTH : FinishReason.STOP;
            if (call != null) {
                sink.toolCall(call);
                reason = FinishReason.TOOL_CALLS;
            }
            cancelled = true;
            sink.end(reason, new Usage(promptTokens, (long) reasoning.size() + limit));
            return false;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }
}
