package io.chatstream.event;

/** Token counts of one reply, as the backend reported them. */
public record Usage(long promptTokens, long completionTokens) {
    public Usage {
        if (promptTokens < 0 || completionTokens < 0) {
            throw new IllegalArgumentException("token counts cannot be negative");
        }
    }
}
