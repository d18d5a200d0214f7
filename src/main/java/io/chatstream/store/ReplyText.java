package io.chatstream.store;

/**
 * What a reply holds so far: its answer, its reasoning, its tool calls (a JSON array, or null) and, at its end, the
 * tokens the backend reported.
 */
public record ReplyText(String content, String reasoning, String toolCalls, Message.TokenUsage usage) {

    public ReplyText {
        content = content == null ? "" : content;
    }
}
