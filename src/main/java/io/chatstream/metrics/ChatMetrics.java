package io.chatstream.metrics;

import io.chatstream.event.ChatEvent;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.limits.Limit;
import io.chatstream.store.ConversationStore;
import io.chatstream.stream.ChatStream;
import io.chatstream.stream.StreamObserver;
import io.chatstream.stream.StreamRegistry;
import io.chatstream.stream.StreamSource;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the streams of one webapp did, counted as they do it, for {@code GET /api/metrics} in the Prometheus text
 * format. Every hook is a few {@link LongAdder} increments: no lock, no allocation, safe from any thread.
 *
 * <p>Families (all prefixed {@code chat_}): running generations and open readers (gauges); generations started,
 * ended by {@code finish_reason}, failed by error {@code code}; readers attached, resumed (with
 * {@code Last-Event-ID}), detached by reason ({@code completed}, {@code disconnected}, {@code too_slow},
 * {@code shutdown}); keep-alives and events written; {@code chunk} and {@code reasoning} events of ended
 * generations; new replies refused by a rate limit, by {@code limit}; time to first token and reply duration as histograms;
 * where conversations are on, the statements sent to their store; in a cluster, Redis' errors and returns and the
 * events not yet in the shared log.
 */
public final class ChatMetrics implements StreamObserver {

    /** The {@code Content-Type} of {@link #scrape}: the Prometheus text format, version 0.0.4. */
    public static final String CONTENT_TYPE = PrometheusWriter.CONTENT_TYPE;


    private final LongAdder started = new LongAdder();
    private final LongAdder[] endedByReason = adders(FinishReason.values().length);
    private final LongAdder[] failedByCode = adders(ErrorCode.values().length);
    private final LongAdder readersOpen = new LongAdder();
    private final LongAdder attached = new LongAdder();
    private final LongAdder resumed = new LongAdder();
    private final LongAdder[] detachedByReason = adders(DetachReason.values().length);
    private final LongAdder keepAlives = new LongAdder();
    private final LongAdder eventsSent = new LongAdder();
    private final LongAdder chunks = new LongAdder();
    private final LongAdder reasoning = new LongAdder();
    private final LongAdder[] rateLimited = adders(Limit.values().length);
    private final Histogram timeToFirstToken =
            new Histogram(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60);
    private final Histogram replyDuration =
            new Histogram(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800);

    @Override
    public void streamStarted(ChatStream stream) {
        started.increment();
    }

    @Override
    public void firstToken(ChatStream stream, long nanos) {
        timeToFirstToken.observeNanos(nanos);
    }

    @Override
    public void streamEnded(ChatStream stream, ChatEvent.Terminal terminal, long nanos) {
        terminal.accept(new ChatEvent.TerminalVisitor<Void>() {
            @Override
            public Void end(ChatEvent.End e) {
                endedByReason[e.finishReason().ordinal()].increment();
                return null;
            }

            @Override
            public Void error(ChatEvent.Error e) {
                failedByCode[e.code().ordinal()].increment();
                return null;
            }
        });
        replyDuration.observeNanos(nanos);
        countTokens(stream);
    }

    /** Counts the stream's chunk and reasoning events once, at its end. */
    private void countTokens(ChatStream stream) {
        chunks.add(stream.chunkEvents());
        reasoning.add(stream.reasoningEvents());
    }

    @Override
    public void readerAttached(StreamSource stream, boolean resumedReader) {
        attached.increment();
        readersOpen.increment();
        if (resumedReader) {
            resumed.increment();
        }
    }

    @Override
    public void readerDetached(StreamSource stream, DetachReason reason) {
        detachedByReason[reason.ordinal()].increment();
        readersOpen.decrement();
    }

    @Override
    public void keepAliveSent() {
        keepAlives.increment();
    }

    @Override
    public void eventsWritten(int events) {
        eventsSent.add(events);
    }

    @Override
    public void rateLimited(String limit, String clientKey) {
        for (Limit l : Limit.values()) {
            if (l.wire().equals(limit)) {
                rateLimited[l.ordinal()].increment();
            }
        }
    }

    /** Every family, in the text format; the gauges of streams come from {@code registry}. */
    public String scrape(StreamRegistry registry) {
        return scrape(registry, null);
    }

    /**
     * As {@link #scrape(StreamRegistry)}, with {@code chat_store_statements_total} from {@code store}: what the
     * conversations cost the database (a reply's saves, the lists and reads).
     *
     * @param store the conversation store, or null where conversations are off
     */
    public String scrape(StreamRegistry registry, ConversationStore store) {
        return scrape(registry, store, null);
    }

    /**
     * As {@link #scrape(StreamRegistry, ConversationStore)}, with the node's view of Redis in a cluster:
     * {@code chat_redis_errors_total}, {@code chat_redis_reconnects_total}, {@code chat_cluster_log_lag_events}.
     *
     * @param cluster what the node saw of Redis, or null on one node
     */
    public String scrape(StreamRegistry registry, ConversationStore store, ClusterCounts cluster) {
        PrometheusWriter out = new PrometheusWriter();
        out.family("chat_streams_open", "gauge", "Generations running now.")
                .sample("chat_streams_open", registry.running());
        out.family("chat_streams_held", "gauge", "Streams kept for readers: running, or ended and retained.")
                .sample("chat_streams_held", registry.size());
        out.family("chat_readers_open", "gauge", "Connections reading a stream now.")
                .sample("chat_readers_open", Math.max(0, readersOpen.sum()));
        out.family("chat_streams_started_total", "counter", "Generations started.")
                .sample("chat_streams_started_total", started.sum());
        out.family("chat_streams_ended_total", "counter", "Generations that ended with an end event, by finish_reason.");
        for (FinishReason r : FinishReason.values()) {
            out.sample("chat_streams_ended_total", "finish_reason", r.wire(), endedByReason[r.ordinal()].sum());
        }
        out.family("chat_streams_failed_total", "counter", "Generations that ended with an error event, by code.");
        for (ErrorCode c : ErrorCode.values()) {
            out.sample("chat_streams_failed_total", "code", c.wire(), failedByCode[c.ordinal()].sum());
        }
        out.family("chat_readers_attached_total", "counter", "Connections that began reading a stream.")
                .sample("chat_readers_attached_total", attached.sum());
        out.family("chat_readers_resumed_total", "counter",
                        "Connections that resumed a stream after a Last-Event-ID.")
                .sample("chat_readers_resumed_total", resumed.sum());
        out.family("chat_readers_detached_total", "counter", "Connections that stopped reading a stream, by reason:"
                + " completed (got the end), disconnected (client left or a write failed), too_slow (dropped for"
                + " not reading), shutdown (webapp stopping).");
        for (DetachReason r : DetachReason.values()) {
            out.sample("chat_readers_detached_total", "reason", r.name().toLowerCase(Locale.ROOT),
                    detachedByReason[r.ordinal()].sum());
        }
        out.family("chat_keepalives_sent_total", "counter", "Keep-alive comments (NDJSON: pings) written.")
                .sample("chat_keepalives_sent_total", keepAlives.sum());
        out.family("chat_events_sent_total", "counter", "Events written to readers (one per reader).")
                .sample("chat_events_sent_total", eventsSent.sum());
        out.family("chat_tokens_total", "counter", "chunk and reasoning events of ended generations, by type.")
                .sample("chat_tokens_total", "type", "chunk", chunks.sum())
                .sample("chat_tokens_total", "type", "reasoning", reasoning.sum());
        out.family("chat_rate_limited_total", "counter", "New replies refused with 429 rate_limited, by the limit"
                + " reached: replies-per-minute, tokens-per-day.");
        for (Limit l : Limit.values()) {
            out.sample("chat_rate_limited_total", "limit", l.wire(), rateLimited[l.ordinal()].sum());
        }
        out.family("chat_time_to_first_token_seconds", "histogram",
                "Seconds from the start of a generation to its first reasoning, chunk or tool call.");
        timeToFirstToken.writeTo(out, "chat_time_to_first_token_seconds");
        out.family("chat_reply_duration_seconds", "histogram",
                "Seconds from the start of a generation to its end or error event.");
        replyDuration.writeTo(out, "chat_reply_duration_seconds");
        if (store != null) {
            out.family("chat_store_statements_total", "counter", "SQL statements sent to the conversation store.")
                    .sample("chat_store_statements_total", store.statements());
        }
        if (cluster != null) {
            out.family("chat_redis_errors_total", "counter",
                            "Redis commands that failed or went unanswered, and connections to Redis lost.")
                    .sample("chat_redis_errors_total", cluster.redisErrors());
            out.family("chat_redis_reconnects_total", "counter", "Returns of Redis after an outage.")
                    .sample("chat_redis_reconnects_total", cluster.redisReconnects());
            out.family("chat_cluster_log_lag_events", "gauge",
                            "Events of this node's streams not yet in the shared log in Redis.")
                    .sample("chat_cluster_log_lag_events", cluster.logLagEvents());
        }
        return out.toString();
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }
}
