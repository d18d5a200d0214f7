package io.chatstream.backend.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatstream.backend.BackendContext;
import io.chatstream.backend.BackendUnavailableException;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import io.chatstream.backend.upstream.Json;
import io.chatstream.backend.upstream.UpstreamCall;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Objects;

/**
 * Any server of the OpenAI {@code chat.completions} dialect: OpenAI, DeepSeek, SiliconFlow, OpenRouter, vLLM,
 * LM Studio, llama.cpp's server and others. One reply is one streamed request:
 * <pre>
 * POST {base-url}/chat/completions
 * Authorization: Bearer {api-key}
 * Content-Type: application/json
 * Accept: text/event-stream
 *
 * {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}],"stream":true,
 *  "stream_options":{"include_usage":true},"temperature":0.7,"max_tokens":512}
 * </pre>
 * {@code temperature} and {@code max_tokens} are sent only when the client gave them. Assistant messages go back
 * without their {@code <think>} blocks: reasoning is never sent upstream. The response is decoded by
 * {@link OpenAiStreamDecoder}; status codes, timeouts and cancellation are {@link UpstreamCall}'s.
 *
 * <p>The model is the request's, else {@code chat.openai.model}; with neither, {@link #start} throws
 * {@link BackendUnavailableException} (the client gets 503 saying so), since clients may well name the model in
 * every request. The API key goes into the {@code Authorization} header and nowhere else: not into messages, logs
 * or {@link #toString()}.
 */
public final class OpenAiBackend implements ChatBackend {

    private final BackendContext context;
    private final URI endpoint;
    private final String apiKey;
    private final String model;
    private final UpstreamCall.Target target;

    /**
     * @param endpoint the full URL of {@code chat/completions}
     * @param apiKey   null or empty for servers that need none
     * @param model    the default model, or null
     */
    public OpenAiBackend(BackendContext context, URI endpoint, String apiKey, String model) {
        this.context = Objects.requireNonNull(context, "context");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        this.model = model == null || model.isBlank() ? null : model.strip();
        this.target = new UpstreamCall.Target(UpstreamCall.Target.label(endpoint), this.apiKey,
                "Check chat.openai.api-key.");
    }

    /** {@code chat.openai.model}, or "" when it is unset (then every request must name its model). */
    @Override
    public String defaultModel() {
        return model == null ? "" : model;
    }

    @Override
    public Generation start(ChatRequest request, ChatSink sink) throws BackendUnavailableException {
        String chosen = UpstreamCall.model(request, model, "chat.openai.model");
        HttpRequest.Builder http = UpstreamCall.newRequest(endpoint)
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(requestBody(request, chosen))));
        if (apiKey != null) {
            http.header("Authorization", "Bearer " + apiKey);
        }
        return UpstreamCall.start(context, http.build(), target, sink, OpenAiStreamDecoder::new);
    }

    /** The JSON body of a streamed {@code chat.completions} request. */
    static ObjectNode requestBody(ChatRequest request, String model) {
        ObjectNode body = Json.object();
        body.put("model", model);
        Json.putMessages(body, request);
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        if (request.maxTokens() != null) {
            body.put("max_tokens", request.maxTokens());
        }
        return body;
    }

    /** The URL the requests go to. */
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public String toString() {
        return "OpenAiBackend[" + endpoint + ", model=" + (model == null ? "(per request)" : model)
                + ", api key " + (apiKey == null ? "not set" : "set") + "]";
    }
}
