package io.chatstream.backend.ollama;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatstream.backend.BackendContext;
import io.chatstream.backend.BackendUnavailableException;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatMessage;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import io.chatstream.backend.ToolChoice;
import io.chatstream.backend.upstream.Json;
import io.chatstream.backend.upstream.ModelLists;
import io.chatstream.backend.upstream.ToolJson;
import io.chatstream.backend.upstream.UpstreamCall;
import io.chatstream.event.ToolCall;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * An Ollama server, through its native chat API. One reply is one streamed request:
 * <pre>
 * POST {base-url}/api/chat
 * Content-Type: application/json
 * Accept: application/x-ndjson
 *
 * {"model":"qwen3","messages":[{"role":"user","content":"Hi"}],"stream":true,
 *  "options":{"temperature":0.7,"num_predict":512}}
 * </pre>
 * {@code options} carries only what the client gave. Assistant messages go back without their {@code <think>}
 * blocks. Tools go in the OpenAI shape Ollama takes: {@code tools} as the request gave them, an assistant message's
 * {@code tool_calls} as {@code [{"function":{"name":"get_weather","arguments":{"city":"Paris"}}}]} (arguments an
 * object, no id: Ollama has none), a {@code tool} message with the {@code tool_name} of the call it answers.
 * Ollama has no {@code tool_choice}: "none" sends no tools; "required" and a named function cannot be asked for,
 * and the model chooses as with "auto". The response is decoded by {@link OllamaStreamDecoder}; status codes,
 * timeouts and cancellation are {@link UpstreamCall}'s. {@link #listModels()} is
 * {@code GET {base-url}/api/tags}, the names of its {@code models[]}.
 *
 * <p>The model is the request's, else {@code chat.ollama.model}; with neither, {@link #start} throws
 * {@link BackendUnavailableException} (the client gets 503 saying so).
 */
public final class OllamaBackend implements ChatBackend {

    /** The path of the chat endpoint under the base URL. */
    static final String CHAT_PATH = "/api/chat";

    private final BackendContext context;
    private final URI endpoint;
    private final String model;
    private final UpstreamCall.Target target;

    /**
     * @param endpoint the full URL of {@code /api/chat}
     * @param model    the default model, or null
     */
    public OllamaBackend(BackendContext context, URI endpoint, String model) {
        this.context = Objects.requireNonNull(context, "context");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.model = model == null || model.isBlank() ? null : model.strip();
        this.target = new UpstreamCall.Target(UpstreamCall.Target.label(endpoint), null,
                "Ollama needs no key: check what stands between this server and it.");
    }

    /** {@code chat.ollama.model}, or "" when it is unset (then every request must name its model). */
    @Override
    public String defaultModel() {
        return model == null ? "" : model;
    }

    @Override
    public Generation start(ChatRequest request, ChatSink sink) throws BackendUnavailableException {
        String chosen = UpstreamCall.model(request, model, "chat.ollama.model");
        HttpRequest http = UpstreamCall.postJson(endpoint, requestBody(request, chosen), "application/x-ndjson").build();
        return UpstreamCall.start(context, http, target, sink, OllamaStreamDecoder::new);
    }

    /** {@code GET {base-url}/api/tags}: the names of the models pulled on the server, in its order. */
    @Override
    public CompletableFuture<List<String>> listModels() {
        HttpRequest request = ModelLists.newRequest(context, tagsEndpoint()).build();
        return ModelLists.fetch(context, request, target, json -> ModelLists.texts(json, "models", "name"));
    }

    /** {@code /api/tags} beside the chat endpoint. */
    URI tagsEndpoint() {
        String chat = endpoint.toString();
        String base = chat.endsWith(CHAT_PATH) ? chat.substring(0, chat.length() - CHAT_PATH.length()) : chat;
        return URI.create(base + "/api/tags");
    }

    /** The JSON body of a streamed {@code /api/chat} request. */
    static ObjectNode requestBody(ChatRequest request, String model) {
        ObjectNode body = Json.object();
        body.put("model", model);
        ArrayNode messages = body.putArray("messages");
        List<ChatMessage> history = request.messages();
        for (int i = 0; i < history.size(); i++) {
            ChatMessage m = history.get(i);
            ObjectNode message = messages.addObject().put("role", m.role().wire()).put("content", Json.sentContent(m));
            if (!m.toolCalls().isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                for (ToolCall c : m.toolCalls()) {
                    calls.addObject().putObject("function").put("name", c.name())
                            .set("arguments", ToolJson.arguments(c));
                }
            }
            if (m.toolCallId() != null) {
                message.put("tool_name", ToolJson.answeredName(history, i));
            }
        }
        if (!request.tools().isEmpty()
                && (request.toolChoice() == null || request.toolChoice().mode() != ToolChoice.Mode.NONE)) {
            body.set("tools", ToolJson.openAiTools(request.tools()));
        }
        body.put("stream", true);
        if (request.temperature() != null || request.maxTokens() != null) {
            ObjectNode options = body.putObject("options");
            if (request.temperature() != null) {
                options.put("temperature", request.temperature());
            }
            if (request.maxTokens() != null) {
                options.put("num_predict", request.maxTokens());
            }
        }
        return body;
    }

    /** The URL the requests go to. */
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public String toString() {
        return "OllamaBackend[" + endpoint + ", model=" + (model == null ? "(per request)" : model) + "]";
    }
}
