package io.chatstream.models;

import io.chatstream.backend.BackendContext;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import io.chatstream.backend.demo.DemoBackend;
import io.chatstream.config.Settings;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code chat.backend=models-test}, on the unit tests' class path only (registered in {@code src/test/echo-backend}):
 * the demo backend's replies, with a model list of its own, as a provider with several models would have.
 *
 * <p>Settings: {@code chat.models-test.models} (comma list, default {@code model-a,model-b,model-c}) is what it
 * lists; {@code chat.models-test.default} (default: the first of them) its default model;
 * {@code chat.models-test.listing} is {@code ok} (answers at once), {@code fail} (the provider cannot list) or
 * {@code held} (each listing waits until the test {@link Listing#release releases} it). Replies are the demo
 * backend's at {@code chat.demo.tokens-per-second}; their {@code start} event names the model asked for.
 */
public final class ListingTestBackendProvider implements ChatBackendProvider {

    @Override
    public String name() {
        return "models-test";
    }

    @Override
    public ChatBackend create(BackendContext context) {
        Settings s = context.settings();
        List<String> models = s.list("chat.models-test.models");
        if (models.isEmpty()) {
            models = List.of("model-a", "model-b", "model-c");
        }
        return new Listing(new DemoBackend(context.scheduler(), s.decimal("chat.demo.tokens-per-second", 20, 0, 1e6),
                0), models, s.string("chat.models-test.default", models.get(0)),
                s.choice("chat.models-test.listing", "ok", "ok", "fail", "held"));
    }

    /** The backend; tests reach it through {@code server.app().backend()}. */
    public static final class Listing implements ChatBackend {
        private final DemoBackend demo;
        private final List<String> models;
        private final String defaultModel;
        private final String mode;
        private final AtomicInteger calls = new AtomicInteger();
        private final CompletableFuture<Void> asked = new CompletableFuture<>();
        private final ConcurrentLinkedQueue<CompletableFuture<List<String>>> held = new ConcurrentLinkedQueue<>();

        Listing(DemoBackend demo, List<String> models, String defaultModel, String mode) {
            this.demo = demo;
            this.models = List.copyOf(models);
            this.defaultModel = defaultModel;
            this.mode = mode;
        }

        @Override
        public Generation start(ChatRequest request, ChatSink sink) {
            return demo.start(request, sink);
        }

        @Override
        public String defaultModel() {
            return defaultModel;
        }

        @Override
        public CompletableFuture<List<String>> listModels() {
            calls.incrementAndGet();
            CompletableFuture<List<String>> answer = switch (mode) {
                case "fail" -> CompletableFuture.failedFuture(new IOException("upstream answered 500"));
                case "held" -> {
                    CompletableFuture<List<String>> f = new CompletableFuture<>();
                    held.add(f);
                    yield f;
                }
                default -> CompletableFuture.completedFuture(models);
            };
            // only now: a test that sees the list asked for and releases it at once must find it held
            asked.complete(null);
            return answer;
        }

        /** How many times the list was asked for. */
        public int calls() {
            return calls.get();
        }

        /** Completes when the list is first asked for. */
        public CompletableFuture<Void> asked() {
            return asked;
        }

        /** Answers every held listing with the configured list, from the calling thread. */
        public void release() {
            CompletableFuture<List<String>> f;
            while ((f = held.poll()) != null) {
                f.complete(models);
            }
        }

        @Override
        public void close() {
            demo.close();
        }
    }
}
