package io.chatstream.app;

import io.chatstream.event.ChatEvent;
import io.chatstream.stream.ChatStream;
import io.chatstream.stream.StreamObserver;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One log line per finished stream, through {@code java.util.logging} so each container's own logging takes it: id,
 * backend, model, duration, time to first token, events, outcome. Never message text, never keys.
 *
 * <p>The record names its source class and method itself ({@code logp}): otherwise every record walks the stack to
 * find its caller, which cost more than the stream's last hundred events when many streams end at once.
 */
final class StreamLog implements StreamObserver {

    private static final Logger LOG = Logger.getLogger("io.chatstream.streams");
    private static final String SOURCE = StreamLog.class.getName();

    @Override
    public void streamEnded(ChatStream stream, ChatEvent.Terminal terminal, long nanos) {
        if (!LOG.isLoggable(Level.INFO)) {
            return;
        }
        String outcome = terminal.accept(new ChatEvent.TerminalVisitor<String>() {
            @Override
            public String end(ChatEvent.End e) {
                return "finish_reason=" + e.finishReason().wire();
            }

            @Override
            public String error(ChatEvent.Error e) {
                return "error=" + e.code().wire();
            }
        });
        long ttft = stream.firstTokenNanos();
        LOG.logp(Level.INFO, SOURCE, "streamEnded", "stream=" + stream.id() + " backend=" + stream.backendName()
                + " model=" + printable(stream.model())
                + " duration_ms=" + nanos / 1_000_000
                + " ttft_ms=" + (ttft < 0 ? "-" : Long.toString(ttft / 1_000_000))
                + " events=" + stream.lastSeq() + " " + outcome);
    }

    /** The model name comes from the client: keep it to one printable line. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().limit(100).forEach(c -> b.appendCodePoint(Character.isISOControl(c) || c == ' ' ? '_' : c));
        return b.toString();
    }
}
