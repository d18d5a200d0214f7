package io.chatstream.backend.testing;

import io.chatstream.backend.BackendContext;
import io.chatstream.config.Settings;
import io.chatstream.time.ManualScheduler;
import io.chatstream.time.Ticker;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A {@link BackendContext} for backend tests, made like the webapp's: one scheduler, one HTTP client on a small
 * executor. Close it after the test class. Given a {@link ManualScheduler}, its timers (the idle timeout) run when
 * the test moves that clock, and only then.
 */
public final class TestBackendContext implements BackendContext, AutoCloseable {

    private final Settings settings;
    private final ScheduledExecutorService scheduler;
    private final Ticker ticker;
    private final ExecutorService httpExecutor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "test-http");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient httpClient;
    private final Duration connectTimeout;
    private final Duration idleTimeout;

    public TestBackendContext(Map<String, String> settings, Duration idleTimeout) {
        this(settings, idleTimeout, null);
    }

    /** @param clock the scheduler and clock of every timer; null for a real scheduler thread */
    public TestBackendContext(Map<String, String> settings, Duration idleTimeout, ManualScheduler clock) {
        this.settings = Settings.of(settings);
        this.connectTimeout = Duration.ofSeconds(5);
        this.idleTimeout = idleTimeout;
        if (clock != null) {
            this.scheduler = clock;
            this.ticker = clock;
        } else {
            ScheduledThreadPoolExecutor real = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "test-scheduler");
                t.setDaemon(true);
                return t;
            });
            real.setRemoveOnCancelPolicy(true);
            this.scheduler = real;
            this.ticker = Ticker.SYSTEM;
        }
        this.httpClient = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .executor(httpExecutor)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** No settings, a 10 s idle timeout. */
    public TestBackendContext() {
        this(Map.of(), Duration.ofSeconds(10));
    }

    @Override
    public Settings settings() {
        return settings;
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public Ticker ticker() {
        return ticker;
    }

    @Override
    public HttpClient httpClient() {
        return httpClient;
    }

    @Override
    public Duration connectTimeout() {
        return connectTimeout;
    }

    @Override
    public Duration idleTimeout() {
        return idleTimeout;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        httpExecutor.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
            httpExecutor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
