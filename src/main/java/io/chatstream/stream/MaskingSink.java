package io.chatstream.stream;

import io.chatstream.backend.ChatSink;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

/**
 * The sink a backend gets when the server has secrets: everything the backend reports passes through the
 * {@link SecretMasker} before it reaches the stream. Answer and reasoning are each one text that comes in pieces, so a
 * key split across pieces is masked too; what may start a key is held back until the next piece of the same text or
 * the terminal call, which first sends what is still held. Tool calls, tool results and error messages come whole
 * and are masked whole.
 *
 * <p>Known limit: held characters (only ever the start of a key) go out with the next piece of their own text, so
 * they may come after a {@code tool_call} or a piece of the other text that the backend reported after them; the
 * concatenated answer and reasoning are unchanged.
 */
final class MaskingSink implements ChatSink {

    private final ChatSink stream;
    private final SecretMasker masker;
    private final SecretMasker.Text answer;
    private final SecretMasker.Text reasoning;

    MaskingSink(ChatSink stream, SecretMasker masker) {
        this.stream = stream;
        this.masker = masker;
        this.answer = masker.text();
        this.reasoning = masker.text();
    }

    @Override
    public void reasoning(String text) {
        stream.reasoning(reasoning.next(text));
    }

    @Override
    public void chunk(String text) {
        stream.chunk(answer.next(text));
    }

    @Override
    public void toolCall(ToolCall call) {
        String id = masker.mask(call.id());
        String name = masker.mask(call.name());
        String arguments = masker.mask(call.arguments());
        stream.toolCall(id == call.id() && name == call.name() && arguments == call.arguments() ? call
                : new ToolCall(id, name, arguments));
    }

    @Override
    public void toolResult(String toolCallId, String result) {
        stream.toolResult(masker.mask(toolCallId), masker.mask(result));
    }

    @Override
    public void end(FinishReason reason, Usage usage) {
        flush();
        stream.end(reason, usage);
    }

    @Override
    public void error(ErrorCode code, String message) {
        flush();
        stream.error(code, masker.mask(message));
    }

    /** Sends what is still held: the text is over, so it is no longer the start of anything. */
    private void flush() {
        stream.reasoning(reasoning.finish());
        stream.chunk(answer.finish());
    }
}
