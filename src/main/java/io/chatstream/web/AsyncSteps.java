package io.chatstream.web;

import io.chatstream.protocol.ApiError;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The steps of a request that wait for an answer from elsewhere (the limits, the streams of other nodes): the next
 * step runs at once when the answer is in, else on a container thread once it comes, and no thread waits for it.
 */
final class AsyncSteps {

    private static final System.Logger LOG = System.getLogger(AsyncSteps.class.getName());

    /** The next step of a request, with what the previous one found or the failure it ended with. */
    interface Next<T> {
        void run(T value, Throwable failure) throws ApiError, IOException;
    }

    private AsyncSteps() {
    }

    /**
     * Runs {@code next} with the outcome of {@code stage}: at once, on this thread, when it is complete (an
     * {@link ApiError} it throws is this thread's); else on a container thread once it is, where an
     * {@link ApiError} becomes the answer. {@code gone} gets a value instead when the container ended the request
     * meanwhile (client gone, webapp stopping), so what was taken for it can be given back.
     */
    static <T> void after(AsyncContext async, HttpServletResponse resp, CompletionStage<T> stage, Next<T> next,
                          Consumer<T> gone) throws ApiError, IOException {
        CompletableFuture<T> f = stage.toCompletableFuture();
        if (f.isDone()) {
            T value = null;
            Throwable failure = null;
            try {
                value = f.join();
            } catch (CompletionException | CancellationException e) {
                failure = cause(e);
            }
            next.run(value, failure);
            return;
        }
        f.whenComplete((value, failure) -> {
            try {
                async.start(() -> {
                    try {
                        next.run(value, failure == null ? null : cause(failure));
                    } catch (ApiError e) {
                        Responses.error(async, resp, e);
                    } catch (IOException | RuntimeException e) {
                        LOG.log(Level.WARNING, "A request failed", e);
                        Responses.error(async, resp, Refusals.FAILED);
                    }
                });
            } catch (IllegalStateException ended) {
                LOG.log(Level.DEBUG, () -> "A request ended before its answer came: " + ended);
                if (failure == null && gone != null) {
                    gone.accept(value);
                }
            }
        });
    }

    private static Throwable cause(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
