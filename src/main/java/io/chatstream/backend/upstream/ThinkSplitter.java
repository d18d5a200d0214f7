package io.chatstream.backend.upstream;

import io.chatstream.backend.ChatSink;

import java.util.regex.Pattern;

/**
 * Separates a {@code <think>...</think>} block at the start of a model's content from its answer, for content
 * streamed in pieces cut anywhere, tags included. Reasoning models served without a reasoning parser (DeepSeek-R1,
 * QwQ, Qwen3 on vLLM, LM Studio or Ollama) send their thinking that way:
 * <pre>
 * "&lt;thi" "nk&gt;\nThe user greets" " me.&lt;/th" "ink&gt;\n\nHello!"
 *   -&gt; reasoning "\nThe user greets", reasoning " me.", chunk "Hello!"
 * </pre>
 *
 * <p>Rules: the block is recognised only where the content starts (after optional whitespace), so an answer that
 * talks about {@code <think>} tags is left alone; the text between the tags goes to
 * {@link ChatSink#reasoning} exactly; the tags, the whitespace before the opening tag and the whitespace right
 * after the closing tag are dropped; everything else goes to {@link ChatSink#chunk} exactly. Content without a
 * block passes through unchanged, leading whitespace included. Only what could still be part of a tag is held
 * back, so text streams on as it comes.
 *
 * <p>Not thread-safe: one reply, one thread at a time.
 */
public final class ThinkSplitter {

    static final String OPEN = "<think>";
    static final String CLOSE = "</think>";
    /** Leading whitespace held back while a block may still open; beyond it, the content is answer. */
    static final int MAX_LEADING_WHITESPACE = 4096;

    private static final Pattern BLOCK = Pattern.compile("<think>.*?(</think>\\s*|\\z)", Pattern.DOTALL);

    private enum State { START, THINKING, AFTER_THINKING, ANSWER }

    private final ChatSink sink;
    private final StringBuilder held = new StringBuilder();
    private State state = State.START;

    public ThinkSplitter(ChatSink sink) {
        this.sink = sink;
    }

    /** The next piece of content. */
    public void accept(String content) {
        if (content == null || content.isEmpty()) {
            return;
        }
        switch (state) {
            case START -> start(content);
            case THINKING -> thinking(content);
            case AFTER_THINKING -> afterThinking(content);
            case ANSWER -> sink.chunk(content);
        }
    }

    /** The content ended (or paused for tool calls): what was held back goes out as what it turned out to be. */
    public void flush() {
        if (held.length() == 0) {
            return;
        }
        String text = held.toString();
        held.setLength(0);
        switch (state) {
            case START -> {
                state = State.ANSWER;
                sink.chunk(text);
            }
            case THINKING -> sink.reasoning(text);
            default -> {
                // nothing is held in the other states
            }
        }
    }

    /**
     * {@code content} without its {@code <think>} blocks: what an assistant message sent back upstream keeps. A
     * block never closed runs to the end.
     */
    public static String stripThinking(String content) {
        if (content.indexOf(OPEN) < 0) {
            return content;
        }
        return BLOCK.matcher(content).replaceAll("");
    }

    private void start(String content) {
        held.append(content);
        int first = firstNonWhitespace(held);
        if (first < 0) {
            if (held.length() > MAX_LEADING_WHITESPACE) { // an upstream sending only whitespace must not pile up
                String text = held.toString();
                held.setLength(0);
                state = State.ANSWER;
                sink.chunk(text);
            }
            return;
        }
        int available = held.length() - first;
        if (available >= OPEN.length() && held.indexOf(OPEN, first) == first) {
            String rest = held.substring(first + OPEN.length());
            held.setLength(0);
            state = State.THINKING;
            thinking(rest);
        } else if (available < OPEN.length() && OPEN.startsWith(held.substring(first))) {
            // could still become "<think>": wait for more
        } else {
            String text = held.toString();
            held.setLength(0);
            state = State.ANSWER;
            sink.chunk(text);
        }
    }

    private void thinking(String content) {
        held.append(content);
        int close = held.indexOf(CLOSE);
        if (close >= 0) {
            String reasoning = held.substring(0, close);
            String rest = held.substring(close + CLOSE.length());
            held.setLength(0);
            if (!reasoning.isEmpty()) {
                sink.reasoning(reasoning);
            }
            state = State.AFTER_THINKING;
            afterThinking(rest);
            return;
        }
        int keep = partialTagLength(held, CLOSE);
        if (held.length() > keep) {
            String reasoning = held.substring(0, held.length() - keep);
            held.delete(0, held.length() - keep);
            sink.reasoning(reasoning);
        }
    }

    private void afterThinking(String content) {
        int first = firstNonWhitespace(content);
        if (first < 0) {
            return;
        }
        state = State.ANSWER;
        sink.chunk(content.substring(first));
    }

    private static int firstNonWhitespace(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** The length of the longest end of {@code s} that is a proper start of {@code tag}. */
    private static int partialTagLength(CharSequence s, String tag) {
        for (int n = Math.min(tag.length() - 1, s.length()); n > 0; n--) {
            boolean match = true;
            for (int i = 0; i < n && match; i++) {
                match = s.charAt(s.length() - n + i) == tag.charAt(i);
            }
            if (match) {
                return n;
            }
        }
        return 0;
    }
}
