package io.chatstream.backend.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.BackendContext;
import io.chatstream.event.ErrorCode;

import java.io.ByteArrayOutputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Function;

/**
 * Asks an upstream for its models ({@code GET /models}, {@code GET /api/tags}) without any thread waiting: the
 * request goes out with {@link HttpClient#sendAsync}, the answer is read up to a bound and picked apart when it has
 * arrived. Every failure completes the future exceptionally with an {@link UpstreamException} whose message names the
 * upstream and says what happened (status and the error body's message, a broken connection, a timeout, a body that
 * is not the expected JSON) and never holds the key.
 */
public final class ModelLists {

    private static final System.Logger LOG = System.getLogger(ModelLists.class.getName());

    /** The largest list read: OpenRouter's, the longest known, is a few hundred KB. */
    static final int MAX_BODY_BYTES = 8 * 1024 * 1024;

    private ModelLists() {
    }

    /**
     * A request builder for a model list under {@code uri}: HTTP/1.1 like the replies, JSON accepted, answered within
     * the idle timeout.
     */
    public static HttpRequest.Builder newRequest(BackendContext context, URI uri) {
        return UpstreamCall.newRequest(uri).timeout(context.idleTimeout()).header("Accept", "application/json").GET();
    }

    /**
     * Sends {@code request} and reads the ids that {@code ids} finds in the JSON answer.
     *
     * @param ids the model ids in the parsed body, in the provider's order; throws {@link UpstreamException} when the
     *            body is not of the expected shape
     */
    public static CompletableFuture<List<String>> fetch(BackendContext context, HttpRequest request,
                                                        UpstreamCall.Target target,
                                                        Function<JsonNode, List<String>> ids) {
        return fetchJson(context, request, target).thenApply(json -> {
            try {
                return Collections.unmodifiableList(new ArrayList<>(ids.apply(json)));
            } catch (UpstreamException e) {
                throw failure(target, e.code(), e.getMessage());
            }
        });
    }

    /**
     * Sends {@code request} and completes with the parsed JSON of a 2xx answer: for a list that comes in pages, or
     * whose ids need more than {@link #fetch} gives.
     */
    public static CompletableFuture<JsonNode> fetchJson(BackendContext context, HttpRequest request,
                                                        UpstreamCall.Target target) {
        CompletableFuture<HttpResponse<byte[]>> exchange;
        try {
            exchange = context.httpClient().sendAsync(request, info -> new LimitedBody(MAX_BODY_BYTES));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(failure(target, ErrorCode.UPSTREAM_ERROR,
                    "the request could not be sent (" + e.getClass().getSimpleName() + ")"));
        }
        return exchange.handle((response, failure) -> {
            if (failure != null) {
                Throwable cause = failure;
                while (cause instanceof CompletionException && cause.getCause() != null) {
                    cause = cause.getCause();
                }
                if (cause instanceof UpstreamException e) {
                    throw failure(target, e.code(), e.getMessage());
                }
                LOG.log(Level.DEBUG, () -> "Upstream " + target.label() + ": listing models failed", failure);
                UpstreamFailures.Failure f = UpstreamFailures.of(failure, context.connectTimeout());
                throw failure(target, f.code(), f.detail());
            }
            byte[] body = response.body();
            int status = response.statusCode();
            if (status < 200 || status >= 300) {
                UpstreamFailures.Failure f = UpstreamFailures.ofStatus(status, response.headers(), body,
                        Math.min(body.length, UpstreamCall.ERROR_BODY_BYTES), target.authHint());
                throw failure(target, f.code(), f.detail());
            }
            try {
                return Json.parse(new String(body, StandardCharsets.UTF_8));
            } catch (UpstreamException e) {
                throw failure(target, e.code(), e.getMessage());
            }
        });
    }

    /**
     * The texts of {@code field} of the objects in the array {@code array} of {@code body}, e.g. {@code data[].id};
     * objects without it are passed over.
     *
     * @throws UpstreamException {@code body} has no such array
     */
    public static List<String> texts(JsonNode body, String array, String field) {
        JsonNode items = body.get(array);
        if (items == null || !items.isArray()) {
            throw UpstreamException.malformed("its model list has no \"" + array + "\" array");
        }
        List<String> out = new ArrayList<>(items.size());
        for (JsonNode item : items) {
            String id = Json.text(item, field);
            if (id != null && !id.isBlank()) {
                out.add(id);
            }
        }
        return out;
    }

    private static CompletionException failure(UpstreamCall.Target target, ErrorCode code, String detail) {
        String message = Snippets.redact("Upstream " + target.label() + ": listing the models failed: " + detail,
                target.secret());
        LOG.log(Level.WARNING, message);
        return new CompletionException(new UpstreamException(code, message));
    }

    /** A body read whole up to {@code max} bytes; beyond it, the exchange fails. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int max;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        LimitedBody(int max) {
            this.max = max;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : buffers) {
                if (bytes.size() + b.remaining() > max) {
                    subscription.cancel();
                    result.completeExceptionally(UpstreamException.malformed(
                            "its model list was longer than " + max + " bytes"));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable failure) {
            result.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }
    }
}
