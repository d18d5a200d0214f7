package io.chatstream.models;

import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** The catalog on a clock the test turns and a scheduler whose timers the test fires: no waiting anywhere. */
class ModelCatalogTest {

    private static final Duration CACHE = Duration.ofSeconds(300);
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private long now = 1_000_000_000L;
    private final List<Runnable> timers = new ArrayList<>();
    private final List<Long> timerDelays = new ArrayList<>();
    private final ScheduledExecutorService scheduler = manualScheduler();
    private final ListingBackend backend = new ListingBackend("m-default");

    private ModelCatalog catalog(Duration cacheFor) {
        return new ModelCatalog(backend, () -> now, scheduler, cacheFor, PATIENCE);
    }

    private void advance(Duration d) {
        now += d.toNanos();
    }

    @Test
    void theDefaultComesFirstMarkedAndIsAddedWhenTheProviderLacksIt() throws Exception {
        ModelCatalog catalog = catalog(CACHE);
        CompletableFuture<ModelList> f = catalog.models();
        backend.answer(0, List.of("b", "m-other", "", "b"));
        assertEquals(List.of(new ModelList.Model("m-default", true), new ModelList.Model("b", false),
                new ModelList.Model("m-other", false)), f.get().models());
        assertEquals("{\"models\":[{\"id\":\"m-default\",\"default\":true},{\"id\":\"b\",\"default\":false},"
                + "{\"id\":\"m-other\",\"default\":false}]}", new String(f.get().json(), StandardCharsets.UTF_8));
    }

    @Test
    void theDefaultListedByTheProviderIsNotRepeated() throws Exception {
        CompletableFuture<ModelList> f = catalog(CACHE).models();
        backend.answer(0, List.of("a", "m-default", "z"));
        assertEquals(List.of("m-default", "a", "z"), f.get().models().stream().map(ModelList.Model::id).toList());
    }

    @Test
    void aBackendWithNoDefaultMarksNone() throws Exception {
        ListingBackend noDefault = new ListingBackend("");
        CompletableFuture<ModelList> f = new ModelCatalog(noDefault, () -> now, scheduler, CACHE, PATIENCE).models();
        noDefault.answer(0, List.of("x\"y"));
        assertEquals("{\"models\":[{\"id\":\"x\\\"y\",\"default\":false}]}",
                new String(f.get().json(), StandardCharsets.UTF_8));
    }

    @Test
    void aListIsKeptForTheCacheDurationThenAskedForAgain() throws Exception {
        ModelCatalog catalog = catalog(CACHE);
        catalog.models();
        backend.answer(0, List.of("one"));
        advance(CACHE.minusSeconds(1));
        CompletableFuture<ModelList> cached = catalog.models();
        assertTrue(cached.isDone(), "served from the cache, at once");
        assertEquals(1, backend.calls.size(), "no second upstream call within the cache duration");
        assertEquals("one", cached.get().models().get(1).id());

        advance(Duration.ofSeconds(1));
        CompletableFuture<ModelList> fresh = catalog.models();
        assertEquals(2, backend.calls.size(), "asked again once the cache duration is over");
        assertFalse(fresh.isDone());
        backend.answer(1, List.of("two"));
        assertEquals("two", fresh.get().models().get(1).id());
    }

    @Test
    void concurrentCallersShareTheOneCallUnderWay() throws Exception {
        ModelCatalog catalog = catalog(CACHE);
        List<CompletableFuture<ModelList>> waiting = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            waiting.add(catalog.models());
        }
        assertEquals(1, backend.calls.size(), "one upstream call however many ask");
        waiting.forEach(f -> assertFalse(f.isDone()));
        backend.answer(0, List.of("a"));
        for (CompletableFuture<ModelList> f : waiting) {
            assertEquals("a", f.get().models().get(1).id());
        }
        assertNotSame(waiting.get(0), waiting.get(1), "each caller has its own future");
    }

    @Test
    void oneCallerCancellingItsFutureLeavesTheOthersTheirAnswer() throws Exception {
        ModelCatalog catalog = catalog(CACHE);
        CompletableFuture<ModelList> gone = catalog.models();
        CompletableFuture<ModelList> staying = catalog.models();
        gone.cancel(true);
        backend.answer(0, List.of("a"));
        assertEquals(2, staying.get().models().size());
    }

    @Test
    void withCacheZeroEachLaterCallerAsksButConcurrentOnesStillShare() throws Exception {
        ModelCatalog catalog = catalog(Duration.ZERO);
        CompletableFuture<ModelList> a = catalog.models();
        CompletableFuture<ModelList> b = catalog.models();
        assertEquals(1, backend.calls.size());
        backend.answer(0, List.of("x"));
        assertTrue(a.isDone() && b.isDone());
        catalog.models();
        assertEquals(2, backend.calls.size(), "nothing kept with cache-seconds 0");
    }

    @Test
    void aFailureIsKeptForTheHoldThenTheProviderIsAskedAgain() throws Exception {
        ModelCatalog catalog = catalog(CACHE);
        CompletableFuture<ModelList> f = catalog.models();
        backend.fail(0, new IOException("connection refused"));
        ModelsUnavailableException e = unavailable(f);
        assertEquals(ModelCatalog.FAILURE_HOLD.toSeconds(), e.retryAfterSeconds());
        assertFalse(e.getMessage().contains("refused"), "no upstream text for the client");
        assertInstanceOf(IOException.class, e.getCause());

        advance(ModelCatalog.FAILURE_HOLD.minusMillis(1));
        assertTrue(catalog.models().isCompletedExceptionally(), "the failure is served within the hold");
        assertEquals(1, backend.calls.size());

        advance(Duration.ofMillis(1));
        CompletableFuture<ModelList> retried = catalog.models();
        assertEquals(2, backend.calls.size(), "asked again after the hold");
        backend.answer(1, List.of("back"));
        assertEquals("back", retried.get().models().get(1).id());
    }

    @Test
    void aFailureIsNotKeptLongerThanTheCacheDuration() {
        ModelCatalog catalog = catalog(Duration.ZERO);
        catalog.models();
        backend.fail(0, new IOException("down"));
        catalog.models();
        assertEquals(2, backend.calls.size());
    }

    @Test
    void aBackendThatThrowsInsteadOfFailingItsFutureIsAFailure() {
        ListingBackend throwing = new ListingBackend("d") {
            @Override
            public CompletableFuture<List<String>> listModels() {
                throw new IllegalStateException("cannot list");
            }
        };
        CompletableFuture<ModelList> f = new ModelCatalog(throwing, () -> now, scheduler, CACHE, PATIENCE).models();
        assertInstanceOf(IllegalStateException.class, unavailable(f).getCause());
    }

    @Test
    void anUpstreamSilentPastThePatienceIsAFailureAndItsCallIsCancelled() {
        ModelCatalog catalog = catalog(CACHE);
        CompletableFuture<ModelList> f = catalog.models();
        assertEquals(1, timers.size(), "a deadline was set");
        assertEquals(PATIENCE.toNanos(), timerDelays.get(0));
        assertFalse(f.isDone());
        timers.get(0).run();
        assertInstanceOf(TimeoutException.class, unavailable(f).getCause());
        assertTrue(backend.calls.get(0).isCancelled(), "the stuck upstream call is given up");
        backend.calls.get(0).complete(List.of("late")); // too late: ignored
        assertTrue(catalog.models().isCompletedExceptionally());
    }

    @Test
    void anAnswerInTimeCancelsTheDeadline() throws Exception {
        ModelCatalog catalog = catalog(CACHE);
        CompletableFuture<ModelList> f = catalog.models();
        backend.answer(0, List.of("a"));
        timers.get(0).run(); // a deadline that fires anyway changes nothing
        assertEquals(2, f.get().models().size());
    }

    @Test
    void closingFailsTheCallUnderWayAndLeavesAKeptListAlone() throws Exception {
        ModelCatalog catalog = catalog(CACHE);
        CompletableFuture<ModelList> waiting = catalog.models();
        catalog.close();
        assertEquals(ModelCatalog.FAILURE_HOLD.toSeconds(), unavailable(waiting).retryAfterSeconds());

        ModelCatalog other = catalog(CACHE);
        advance(ModelCatalog.FAILURE_HOLD);
        CompletableFuture<ModelList> done = other.models();
        backend.answer(1, List.of("a"));
        other.close();
        assertEquals(2, done.get().models().size());
        assertTrue(other.models().isDone() && !other.models().isCompletedExceptionally());
    }

    @Test
    void theDemoBackendsDefaultListingNeedsNoTimer() throws Exception {
        ChatBackend plain = new ChatBackend() { // listModels() as the interface defines it
            @Override
            public Generation start(ChatRequest request, ChatSink sink) {
                throw new UnsupportedOperationException("lists only");
            }

            @Override
            public String defaultModel() {
                return "demo";
            }
        };
        CompletableFuture<ModelList> f = new ModelCatalog(plain, () -> now, scheduler, CACHE, PATIENCE).models();
        assertTrue(f.isDone());
        assertEquals(List.of(new ModelList.Model("demo", true)), f.get().models());
        assertTrue(timers.isEmpty());
    }

    @Test
    void theListIsCappedAtMaxModels() throws Exception {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < ModelList.MAX_MODELS + 50; i++) {
            many.add("m" + i);
        }
        CompletableFuture<ModelList> f = catalog(CACHE).models();
        backend.answer(0, many);
        assertEquals(ModelList.MAX_MODELS, f.get().models().size());
    }

    private static ModelsUnavailableException unavailable(CompletableFuture<ModelList> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(0, TimeUnit.SECONDS));
        return assertInstanceOf(ModelsUnavailableException.class, e.getCause());
    }

    @SuppressWarnings("unchecked")
    private ScheduledExecutorService manualScheduler() {
        ScheduledExecutorService s = mock(ScheduledExecutorService.class);
        when(s.schedule(any(Runnable.class), anyLong(), any(TimeUnit.class))).thenAnswer(inv -> {
            timers.add(inv.getArgument(0));
            timerDelays.add(((TimeUnit) inv.getArgument(2)).toNanos(inv.getArgument(1)));
            return mock(ScheduledFuture.class);
        });
        return s;
    }

    /** Hands out one pending future per {@link #listModels()} call; the test completes them. */
    private static class ListingBackend implements ChatBackend {
        final List<CompletableFuture<List<String>>> calls = new ArrayList<>();
        private final String defaultModel;

        ListingBackend(String defaultModel) {
            this.defaultModel = defaultModel;
        }

        @Override
        public CompletableFuture<List<String>> listModels() {
            CompletableFuture<List<String>> f = new CompletableFuture<>();
            calls.add(f);
            return f;
        }

        void answer(int call, List<String> ids) {
            assertSame(false, calls.get(call).isDone());
            calls.get(call).complete(ids);
        }

        void fail(int call, Throwable t) {
            calls.get(call).completeExceptionally(t);
        }

        @Override
        public Generation start(ChatRequest request, ChatSink sink) {
            throw new UnsupportedOperationException("lists only");
        }

        @Override
        public String defaultModel() {
            return defaultModel;
        }
    }
}
