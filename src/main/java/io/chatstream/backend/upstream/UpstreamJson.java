package io.chatstream.backend.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatstream.backend.BackendContext;
import io.chatstream.event.ErrorCode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * One small, non-streamed JSON exchange with an upstream, such as a model list: sent with the context's HTTP client
 * asynchronously, answered by a future, never by a waiting thread. The whole exchange is bounded by the idle timeout
 * and the body by {@link #MAX_BYTES}.
 *
 * <p>The future fails with an {@link UpstreamException} whose code and message are those a reply would get for the
 * same failure ({@code upstream_auth} for 401 and 403, {@code upstream_rate_limited} for 429 and 529, the
 * upstream's name, an excerpt of its error body, the key masked), or which says the body was not JSON.
 */
public final class UpstreamJson {

    /** The most a JSON answer may be: far above any provider's model list. */
    static final int MAX_BYTES = 4 * 1024 * 1024;

    private UpstreamJson() {
    }

    /**
     * Sends {@code request} (built with {@link UpstreamCall#newRequest}); completes with the parsed body of a 2xx
     * answer.
     */
    public static CompletableFuture<JsonNode> get(BackendContext context, HttpRequest.Builder request,
                                                  UpstreamCall.Target target) {
        HttpRequest http = request.timeout(context.idleTimeout()).GET().build();
        return context.httpClient().sendAsync(http, info -> new BoundedBody())
                .handle((response, failure) -> {
                    if (failure != null) {
                        UpstreamFailures.Failure f = UpstreamFailures.of(failure, context.connectTimeout());
                        throw new CompletionException(failed(target, f.code(), f.detail()));
                    }
                    byte[] body = response.body();
                    int status = response.statusCode();
                    if (status < 200 || status >= 300) {
                        UpstreamFailures.Failure f = UpstreamFailures.ofStatus(status, response.headers(), body,
                                Math.min(body.length, UpstreamCall.ERROR_BODY_BYTES), target.authHint());
                        throw new CompletionException(failed(target, f.code(), f.detail()));
                    }
                    try {
                        return Json.MAPPER.readTree(body);
                    } catch (IOException e) {
                        throw new CompletionException(failed(target, ErrorCode.UPSTREAM_ERROR,
                                "it answered with something that is not JSON: "
                                        + Snippets.of(new String(body, 0, Math.min(body.length, 400),
                                        StandardCharsets.UTF_8))));
                    }
                });
    }

    private static UpstreamException failed(UpstreamCall.Target target, ErrorCode code,
                                            String detail) {
        return new UpstreamException(code,
                Snippets.redact("Upstream " + target.label() + ": " + detail, target.secret()));
    }

    /** Collects a body up to {@link #MAX_BYTES}; a longer one fails the exchange and closes the connection. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

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
            for (ByteBuffer b : buffers) {
                if (bytes.size() + b.remaining() > MAX_BYTES) {
                    subscription.cancel();
                    result.completeExceptionally(new IOException("the answer was longer than " + MAX_BYTES
                            + " bytes"));
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
