package com.example.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatstream.backend.BackendContext;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.Usage;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An example of a backend of your own: it calls an in-house model gateway that streams one JSON object a line.
 * <pre>
 * POST {chat.gateway.url}
 * X-Api-Token: {chat.gateway.token}
 *
 * {"model":"house-model","messages":[{"role":"user","content":"Hi"}],"max_tokens":512}
 *
 * 200 OK
 * {"delta":"Hel"}
 * {"delta":"lo"}
 * {"finish":"stop","input_tokens":3,"output_tokens":2}
 * </pre>
 * A line {@code {"error":"..."}} fails the reply.
 *
 * <p>What every backend must do, and how this one does it:
 * <ul>
 *   <li>never hold a thread: the request goes out with {@link HttpClient#sendAsync}, lines arrive in
 *   {@link Reply#onNext};</li>
 *   <li>exactly one terminal call ({@code end} or {@code error}) per reply: {@link Reply#finish} lets only the
 *   first through;</li>
 *   <li>sink calls never overlap: they all come from the body subscriber, one line at a time, then from the
 *   exchange's completion;</li>
 *   <li>{@link Generation#cancel()} closes the upstream connection: it cancels the body subscription and the
 *   exchange;</li>
 *   <li>messages for users and operators, never a key or a stack trace.</li>
 * </ul>
 * Kept short on purpose: a production backend would also watch for silence with a timer on
 * {@link BackendContext#scheduler()} and bound the length of a line.
 */
public final class GatewayBackend implements ChatBackend {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BackendContext context;
    private final URI url;
    private final String token;
    private final String model;

    public GatewayBackend(BackendContext context, URI url, String token, String model) {
        this.context = context;
        this.url = url;
        this.token = token;
        this.model = model;
    }

    @Override
    public String defaultModel() {
        return model;
    }

    @Override
    public Generation start(ChatRequest request, ChatSink sink) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", request.model() != null ? request.model() : model);
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : request.messages()) {
            messages.addObject().put("role", m.role().wire()).put("content", m.content());
        }
        if (request.maxTokens() != null) {
            body.put("max_tokens", request.maxTokens());
        }
        HttpRequest.Builder http = HttpRequest.newBuilder(url)
                .version(HttpClient.Version.HTTP_1_1) // so that cancelling closes the connection
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (token != null && !token.isEmpty()) {
            http.header("X-Api-Token", token);
        }
        Reply reply = new Reply(sink);
        CompletableFuture<HttpResponse<Void>> exchange = context.httpClient().sendAsync(http.build(),
                info -> info.statusCode() == 200
                        ? HttpResponse.BodySubscribers.fromLineSubscriber(reply)
                        : HttpResponse.BodySubscribers.replacing(null));
        reply.exchange = exchange;
        exchange.whenComplete(reply::exchangeDone);
        return reply;
    }

    @Override
    public String toString() {
        return "GatewayBackend[" + url + "]"; // never the token
    }

    /** One reply: receives the body's lines, turns them into sink calls. */
    static final class Reply implements Flow.Subscriber<String>, Generation {
        private final ChatSink sink;
        private final AtomicBoolean finished = new AtomicBoolean();
        private volatile Flow.Subscription subscription;
        volatile CompletableFuture<?> exchange;

        Reply(ChatSink sink) {
            this.sink = sink;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (finished.get()) {
                s.cancel();
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(String line) {
            if (finished.get()) {
                return;
            }
            try {
                line(line);
            } catch (IOException e) {
                finish(() -> sink.error(ErrorCode.UPSTREAM_ERROR, "The gateway sent a line that is not JSON."));
            }
            if (!finished.get()) {
                subscription.request(1);
            }
        }

        private void line(String line) throws IOException {
            if (line.isBlank()) {
                return;
            }
            JsonNode n = JSON.readTree(line);
            if (n.hasNonNull("error")) {
                finish(() -> sink.error(ErrorCode.UPSTREAM_ERROR, "The gateway failed: " + n.get("error").asText()));
            } else if (n.hasNonNull("delta")) {
                sink.chunk(n.get("delta").asText());
            } else if (n.hasNonNull("finish")) {
                Usage usage = new Usage(n.path("input_tokens").asLong(), n.path("output_tokens").asLong());
                finish(() -> sink.end(FinishReason.fromProvider(n.get("finish").asText()), usage));
            }
        }

        @Override
        public void onError(Throwable t) {
            finish(() -> sink.error(ErrorCode.UPSTREAM_ERROR, "The connection to the gateway broke."));
        }

        @Override
        public void onComplete() {
            finish(() -> sink.error(ErrorCode.UPSTREAM_ERROR, "The gateway ended the reply before finishing it."));
        }

        /** The exchange is over: a failure or status the body never saw. */
        void exchangeDone(HttpResponse<Void> response, Throwable failure) {
            if (failure != null) {
                finish(() -> sink.error(ErrorCode.UPSTREAM_ERROR, "The gateway cannot be reached."));
            } else if (response.statusCode() == 401 || response.statusCode() == 403) {
                finish(() -> sink.error(ErrorCode.UPSTREAM_AUTH, "The gateway refused chat.gateway.token (HTTP "
                        + response.statusCode() + ")."));
            } else if (response.statusCode() != 200) {
                finish(() -> sink.error(ErrorCode.UPSTREAM_ERROR, "The gateway answered HTTP "
                        + response.statusCode() + "."));
            }
        }

        /** Makes {@code terminal} the reply's one terminal call, unless the reply already ended; then stops. */
        private void finish(Runnable terminal) {
            if (finished.compareAndSet(false, true)) {
                terminal.run();
                stop();
            }
        }

        @Override
        public void cancel() {
            finished.set(true);
            stop();
        }

        private void stop() {
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
            CompletableFuture<?> e = exchange;
            if (e != null) {
                e.cancel(true);
            }
        }
    }
}
