package io.chatstream.backend;

import io.chatstream.config.Settings;
import io.chatstream.time.Ticker;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the webapp shares with its backend: settings, one scheduler for timers and one asynchronous HTTP client. All
 * belong to the webapp's lifecycle: the backend uses them and never shuts them down.
 */
public interface BackendContext {

    /** Every setting, including the backend's own ({@code chat.<name>.*}). */
    Settings settings();

    /** The webapp's one scheduler, for timers; tasks must be short and never block. */
    ScheduledExecutorService scheduler();

    /**
     * The clock the scheduler's delays are measured by, for timeouts that compare times: the machine's monotonic
     * clock, unless a test gives a scheduler it moves by hand.
     */
    default Ticker ticker() {
        return Ticker.SYSTEM;
    }

    /** The webapp's one HTTP client (created on first use); use its {@code sendAsync} only. */
    HttpClient httpClient();

    /** {@code chat.upstream.connect-timeout-seconds}. */
    Duration connectTimeout();

    /** {@code chat.upstream.idle-timeout-seconds}: no byte from upstream for this long is {@code upstream_timeout}. */
    Duration idleTimeout();
}
