package io.chatstream.stream;

import java.util.concurrent.CompletableFuture;

/** A reader that only counts its wake-ups; a shutdown or an abort closes it at once. */
final class CountingReader implements StreamReader {

    int wakes;
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    @Override
    public void wake() {
        wakes++;
    }

    @Override
    public void shutdown(long retryMillis) {
        closed.complete(null);
    }

    @Override
    public CompletableFuture<Void> closed() {
        return closed;
    }

    @Override
    public void abort() {
        closed.complete(null);
    }
}
