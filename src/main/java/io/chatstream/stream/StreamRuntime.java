package io.chatstream.stream;

import io.chatstream.config.ChatConfig;
import io.chatstream.time.Ticker;
import io.chatstream.tools.ServerTools;

import java.util.concurrent.ScheduledExecutorService;

/**
 * What every stream of a registry works with, given to each {@link ChatStream} when it is made, so a stream never
 * reaches back into its registry.
 *
 * @param ticker    the clock the stream's age and timers are measured with
 * @param scheduler the shared scheduler its timers (detach grace, maximum duration) run on
 * @param observer  hears its start, first token and end
 * @param masker    what it masks in its backend's output
 * @param tools     the server tools its generation runs between model rounds
 * @param logs      makes its event log
 * @param limits    its bounds
 */
record StreamRuntime(Ticker ticker, ScheduledExecutorService scheduler, StreamObserver observer, SecretMasker masker,
                     ServerTools tools, EventLogs logs, Limits limits) {

    /**
     * The bounds of one stream.
     *
     * @param maxDurationNanos {@code chat.stream.max-duration-seconds}
     * @param detachGraceNanos {@code chat.stream.detach-grace-seconds}: how long a generation runs with no reader
     * @param maxBytes         {@code chat.stream.max-bytes}: the JSON bytes of its events
     */
    record Limits(long maxDurationNanos, long detachGraceNanos, long maxBytes) {

        static Limits of(ChatConfig c) {
            return new Limits(c.maxDuration().toNanos(), c.detachGrace().toNanos(), c.maxStreamBytes());
        }
    }
}
