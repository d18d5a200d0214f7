package io.chatstream.bench;

import org.HdrHistogram.Histogram;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/** What one client thread saw; merged into one at the end. Times in microseconds. Not thread-safe. */
final class Stats {

    /** Why a stream counts as failed, or that it did not. */
    enum Outcome {
        /** Every event in order, the terminal {@code end} last, the response complete. */
        OK,
        /** Held open until the end of the hold period with every event in order (S4). */
        HELD,
        CONNECT_FAILED,
        /** A status other than 200. */
        STATUS,
        /** The connection closed or reset before the terminal event and the end of the response. */
        INCOMPLETE,
        /** Out-of-order or missing seq, a missing first {@code retry:}, a malformed line or chunk. */
        PROTOCOL,
        /** The terminal event was {@code error}. */
        ERROR_EVENT,
        /** The reply had another number of {@code chunk} events than asked for. */
        TOKENS,
        /** Still running when the client's time limit ran out. */
        TIMEOUT
    }

    /** Events per bucket of this many nanoseconds, for the rate over time. */
    static final long BUCKET_NANOS = 100_000_000L;
    private static final long HOUR_MICROS = 3_600_000_000L;

    final Histogram gap = new Histogram(HOUR_MICROS, 3);
    final Histogram ttfb = new Histogram(HOUR_MICROS, 3);
    final Histogram ttft = new Histogram(HOUR_MICROS, 3);
    final Histogram keepAliveLateness = new Histogram(HOUR_MICROS, 3);
    /**
     * From the last event before a dropped connection to the first on the resumed one: the reconnect, recorded
     * apart from {@link #gap}.
     */
    final Histogram resumeGap = new Histogram(HOUR_MICROS, 3);
    final Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
    final Map<Integer, Integer> statuses = new TreeMap<>();
    final long[] eventsPerBucket = new long[36_000];
    /** Gaps of 150 ms or more, by the bucket they ended in: where in the run the slow moments were. */
    final long[] longGapsPerBucket = new long[36_000];
    long events;
    long keepAlives;
    /** Connections dropped on purpose and resumed with {@code Last-Event-ID}. */
    long resumes;
    /** Keep-alives that came more than 1 ms before the keep-alive period was over. */
    long earlyKeepAlives;
    long bytes;
    long firstEventNanos = Long.MAX_VALUE;
    long lastEventNanos;
    /** The first reason a stream failed, for the report. */
    String firstFailure;

    void event(long now, long startNanos) {
        events++;
        int b = (int) ((now - startNanos) / BUCKET_NANOS);
        if (b >= 0 && b < eventsPerBucket.length) {
            eventsPerBucket[b]++;
        }
        if (now < firstEventNanos) {
            firstEventNanos = now;
        }
        if (now > lastEventNanos) {
            lastEventNanos = now;
        }
    }

    void gap(long now, long startNanos, long gapNanos) {
        gap.recordValue(gapNanos / 1000);
        int b = (int) ((now - startNanos) / BUCKET_NANOS);
        if (gapNanos >= 150_000_000L && b >= 0 && b < longGapsPerBucket.length) {
            longGapsPerBucket[b]++;
        }
    }

    void outcome(Outcome o, String detail) {
        outcomes.merge(o, 1, Integer::sum);
        if (o != Outcome.OK && o != Outcome.HELD && firstFailure == null) {
            firstFailure = o + ": " + detail;
        }
    }

    int count(Outcome o) {
        return outcomes.getOrDefault(o, 0);
    }

    void add(Stats o) {
        gap.add(o.gap);
        ttfb.add(o.ttfb);
        ttft.add(o.ttft);
        keepAliveLateness.add(o.keepAliveLateness);
        resumeGap.add(o.resumeGap);
        resumes += o.resumes;
        o.outcomes.forEach((k, v) -> outcomes.merge(k, v, Integer::sum));
        o.statuses.forEach((k, v) -> statuses.merge(k, v, Integer::sum));
        for (int i = 0; i < eventsPerBucket.length; i++) {
            eventsPerBucket[i] += o.eventsPerBucket[i];
            longGapsPerBucket[i] += o.longGapsPerBucket[i];
        }
        events += o.events;
        keepAlives += o.keepAlives;
        earlyKeepAlives += o.earlyKeepAlives;
        bytes += o.bytes;
        firstEventNanos = Math.min(firstEventNanos, o.firstEventNanos);
        lastEventNanos = Math.max(lastEventNanos, o.lastEventNanos);
        if (firstFailure == null) {
            firstFailure = o.firstFailure;
        }
    }
}
