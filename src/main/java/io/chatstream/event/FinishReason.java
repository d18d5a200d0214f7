package io.chatstream.event;

/** Why a reply ended normally; the {@code finish_reason} of the {@code end} event. */
public enum FinishReason {
    /** The model finished its answer. */
    STOP("stop"),
    /** The model hit {@code max_tokens}, or the reply outgrew what the server keeps of one stream. */
    LENGTH("length"),
    /** The model stopped to have tools called. */
    TOOL_CALLS("tool_calls"),
    /** {@code DELETE}, or every reader left and the detach grace period ran out. */
    CANCELLED("cancelled"),
    /** The stream ran longer than {@code chat.stream.max-duration-seconds}. */
    TIMEOUT("timeout");

    private final String wire;

    FinishReason(String wire) {
        this.wire = wire;
    }

    /** The value on the wire. */
    public String wire() {
        return wire;
    }

    /**
     * Maps a provider's finish reason to ours: {@code length}, {@code tool_calls} (and OpenAI's older
     * {@code function_call}) keep their meaning, anything else (stop, eos, content_filter, null) is {@link #STOP}.
     */
    public static FinishReason fromProvider(String value) {
        if (value == null) {
            return STOP;
        }
        return switch (value) {
            case "length", "max_tokens" -> LENGTH;
            case "tool_calls", "function_call", "tool_use" -> TOOL_CALLS;
            default -> STOP;
        };
    }
}
