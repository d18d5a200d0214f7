package io.chatstream.backend.openai;

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
import io.chatstream.backend.ToolDefinition;
import io.chatstream.backend.upstream.BaseUrl;
import io.chatstream.backend.upstream.BodyDecoder;
import io.chatstream.backend.upstream.Json;
import io.chatstream.backend.upstream.ModelLists;
import io.chatstream.backend.upstream.ToolJson;
import io.chatstream.backend.upstream.UpstreamCall;
import io.chatstream.event.ToolCall;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Any server of the OpenAI dialect: OpenAI, Azure OpenAI, DeepSeek, SiliconFlow, OpenRouter, vLLM, LM Studio,
 * llama.cpp's server and others. One reply is one streamed request, to one of two APIs ({@code chat.openai.api}).
 *
 * <p>{@link Api#CHAT_COMPLETIONS}, the default, which every compatible server speaks:
 * <pre>
 * POST {base-url}/chat/completions
 * Authorization: Bearer {api-key}
 * Content-Type: application/json
 * Accept: text/event-stream
 *
 * {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}],"stream":true,
 *  "stream_options":{"include_usage":true},"temperature":0.7,"max_tokens":512}
 * </pre>
 * decoded by {@link OpenAiStreamDecoder}. Tools go in the request's own shape: {@code tools}, {@code tool_choice},
 * an assistant message's {@code tool_calls} (its {@code content} null when it has no text), a {@code tool}
 * message's {@code tool_call_id}. {@link Api#RESPONSES}, OpenAI's newer API:
 * <pre>
 * POST {base-url}/responses
 *
 * {"model":"gpt-4o-mini","instructions":"Be brief.","input":[{"role":"user","content":"Hi"}],
 *  "stream":true,"store":false,"temperature":0.7,"max_output_tokens":512}
 * </pre>
 * decoded by {@link ResponsesStreamDecoder}: the system messages become {@code instructions} (joined by a blank
 * line), the others input items in order; tools in this API's shape:
 * <pre>
 * "tools":[{"type":"function","name":"get_weather","description":"...","parameters":{schema},"strict":false}],
 * "tool_choice":"auto"                     (auto | none | required | {"type":"function","name":"..."})
 * {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"}
 * {"type":"function_call_output","call_id":"call_1","output":"18 C"}
 * </pre>
 * an assistant message's calls as {@code function_call} items after its text (if any), a tool message as a
 * {@code function_call_output}; {@code strict: false} since this API would otherwise hold every schema to its
 * strict subset. {@code store: false} since every request carries its whole history and nothing needs keeping at the
 * provider.
 *
 * <p>{@code temperature} and the token limit are sent only when the client gave them. Assistant messages go back
 * without their {@code <think>} blocks: reasoning is never sent upstream. Status codes, timeouts and cancellation are
 * {@link UpstreamCall}'s. {@link #listModels()} is {@code GET {base-url}/models}, the ids of {@code data[]}.
 *
 * <p>The key goes into the {@code Authorization: Bearer} header, or with {@link AuthHeader#API_KEY} (Azure OpenAI)
 * into an {@code api-key} header, and nowhere else: not into URLs, messages, logs or {@link #toString()}. A query in
 * the base URL (Azure's {@code ?api-version=...}) follows every path appended to it.
 *
 * <p>The model is the request's, else {@code chat.openai.model}; with neither, {@link #start} throws
 * {@link BackendUnavailableException} (the client gets 503 saying so), since clients may well name the model in
 * every request.
 */
public final class OpenAiBackend implements ChatBackend {

    /** Which API replies are asked of: {@code chat.openai.api}. */
    public enum Api {
        /** {@code POST /chat/completions}: the de facto standard. */
        CHAT_COMPLETIONS("/chat/completions", OpenAiStreamDecoder::new),
        /** {@code POST /responses}: OpenAI's Responses API. */
        RESPONSES("/responses", ResponsesStreamDecoder::new);

        private final String path;
        private final Function<ChatSink, BodyDecoder> decoders;

        Api(String path, Function<ChatSink, BodyDecoder> decoders) {
            this.path = path;
            this.decoders = decoders;
        }

        /** The path of its endpoint under the base URL. */
        public String path() {
            return path;
        }
    }

    /** Where the key goes: {@code chat.openai.auth-header}. */
    public enum AuthHeader {
        /** {@code Authorization: Bearer <key>}. */
        BEARER,
        /** {@code api-key: <key>}, as Azure OpenAI takes it. */
        API_KEY
    }

    private final BackendContext context;
    private final BaseUrl baseUrl;
    private final Api api;
    private final AuthHeader authHeader;
    private final URI endpoint;
    private final String apiKey;
    private final String model;
    private final UpstreamCall.Target target;

    /**
     * @param baseUrl    the base URL, with its query if it has one
     * @param apiKey     null or empty for servers that need none
     * @param model      the default model, or null
     */
    public OpenAiBackend(BackendContext context, BaseUrl baseUrl, String apiKey, String model, Api api,
                         AuthHeader authHeader) {
        this.context = Objects.requireNonNull(context, "context");
        this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
        this.api = Objects.requireNonNull(api, "api");
        this.authHeader = Objects.requireNonNull(authHeader, "authHeader");
        this.endpoint = baseUrl.resolve(api.path());
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        this.model = model == null || model.isBlank() ? null : model.strip();
        this.target = new UpstreamCall.Target(UpstreamCall.Target.label(endpoint), this.apiKey,
                "Check chat.openai.api-key" + (authHeader == AuthHeader.BEARER ? "." : " and chat.openai.auth-header."));
    }

    /**
     * A {@code chat.completions} backend with a bearer key.
     *
     * @param endpoint the full URL of {@code chat/completions}
     * @param apiKey   null or empty for servers that need none
     * @param model    the default model, or null
     */
    public OpenAiBackend(BackendContext context, URI endpoint, String apiKey, String model) {
        this(context, baseOf(endpoint), apiKey, model, Api.CHAT_COMPLETIONS, AuthHeader.BEARER);
    }

    private static BaseUrl baseOf(URI endpoint) {
        String s = endpoint.toString();
        int q = s.indexOf('?');
        String path = q < 0 ? s : s.substring(0, q);
        String base = path.endsWith(Api.CHAT_COMPLETIONS.path())
                ? path.substring(0, path.length() - Api.CHAT_COMPLETIONS.path().length()) : path;
        return new BaseUrl(base, q < 0 ? null : s.substring(q + 1));
    }

    /** {@code chat.openai.model}, or "" when it is unset (then every request must name its model). */
    @Override
    public String defaultModel() {
        return model == null ? "" : model;
    }

    @Override
    public Generation start(ChatRequest request, ChatSink sink) throws BackendUnavailableException {
        String chosen = UpstreamCall.model(request, model, "chat.openai.model");
        ObjectNode body = api == Api.RESPONSES ? responsesBody(request, chosen) : requestBody(request, chosen);
        HttpRequest http = authorize(UpstreamCall.postJson(endpoint, body, "text/event-stream")).build();
        return UpstreamCall.start(context, http, target, sink, api.decoders);
    }

    /** {@code GET {base-url}/models}: the ids of its {@code data} array, in the provider's order. */
    @Override
    public CompletableFuture<List<String>> listModels() {
        HttpRequest request = authorize(ModelLists.newRequest(context, baseUrl.resolve("/models"))).build();
        return ModelLists.fetch(context, request, target, json -> ModelLists.texts(json, "data", "id"));
    }

    private HttpRequest.Builder authorize(HttpRequest.Builder http) {
        if (apiKey != null) {
            if (authHeader == AuthHeader.API_KEY) {
                http.header("api-key", apiKey);
            } else {
                http.header("Authorization", "Bearer " + apiKey);
            }
        }
        return http;
    }

    /** The JSON body of a streamed {@code chat.completions} request. */
    static ObjectNode requestBody(ChatRequest request, String model) {
        ObjectNode body = Json.object();
        body.put("model", model);
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : request.messages()) {
            ObjectNode message = messages.addObject().put("role", m.role().wire());
            if (m.toolCalls().isEmpty() || !Json.sentContent(m).isBlank()) {
                message.put("content", Json.sentContent(m));
            } else {
                message.putNull("content");
            }
            if (!m.toolCalls().isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                for (ToolCall c : m.toolCalls()) {
                    calls.addObject().put("id", c.id()).put("type", "function").putObject("function")
                            .put("name", c.name()).put("arguments", c.arguments());
                }
            }
            if (m.toolCallId() != null) {
                message.put("tool_call_id", m.toolCallId());
            }
        }
        if (!request.tools().isEmpty()) {
            body.set("tools", ToolJson.openAiTools(request.tools()));
            ToolChoice choice = request.toolChoice();
            if (choice != null) {
                if (choice.mode() == ToolChoice.Mode.FUNCTION) {
                    body.putObject("tool_choice").put("type", "function").putObject("function")
                            .put("name", choice.function());
                } else {
                    body.put("tool_choice", choice.mode().name().toLowerCase(Locale.ROOT));
                }
            }
        }
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

    /** The JSON body of a streamed Responses API request. */
    static ObjectNode responsesBody(ChatRequest request, String model) {
        ObjectNode body = Json.object();
        body.put("model", model);
        String instructions = Json.systemText(request);
        if (instructions != null) {
            body.put("instructions", instructions);
        }
        ArrayNode input = body.putArray("input");
        for (ChatMessage m : request.messages()) {
            switch (m.role()) {
                case SYSTEM -> { }
                case TOOL -> {
                    if (m.toolCallId() != null) {
                        input.addObject().put("type", "function_call_output").put("call_id", m.toolCallId())
                                .put("output", m.content());
                    } else {
                        input.addObject().put("role", "user").put("content", m.content());
                    }
                }
                default -> {
                    String text = Json.sentContent(m);
                    if (m.toolCalls().isEmpty() || !text.isBlank()) {
                        input.addObject().put("role", m.role() == ChatMessage.Role.ASSISTANT ? "assistant" : "user")
                                .put("content", text);
                    }
                    for (ToolCall c : m.toolCalls()) {
                        input.addObject().put("type", "function_call").put("call_id", c.id()).put("name", c.name())
                                .put("arguments", c.arguments());
                    }
                }
            }
        }
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (ToolDefinition t : request.tools()) {
                ObjectNode tool = tools.addObject().put("type", "function").put("name", t.name());
                if (!t.description().isEmpty()) {
                    tool.put("description", t.description());
                }
                tool.set("parameters", ToolJson.schema(t));
                tool.put("strict", false);
            }
            ToolChoice choice = request.toolChoice();
            if (choice != null) {
                if (choice.mode() == ToolChoice.Mode.FUNCTION) {
                    body.putObject("tool_choice").put("type", "function").put("name", choice.function());
                } else {
                    body.put("tool_choice", choice.mode().name().toLowerCase(Locale.ROOT));
                }
            }
        }
        body.put("stream", true);
        body.put("store", false);
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        if (request.maxTokens() != null) {
            body.put("max_output_tokens", request.maxTokens());
        }
        return body;
    }

    /** The URL the replies are asked of. */
    public URI endpoint() {
        return endpoint;
    }

    /** The API the replies are asked of. */
    public Api api() {
        return api;
    }

    @Override
    public String toString() {
        return "OpenAiBackend[" + endpoint + ", " + api.name().toLowerCase(Locale.ROOT).replace('_', '-')
                + ", model=" + (model == null ? "(per request)" : model)
                + ", api key " + (apiKey == null ? "not set" : "set" + (authHeader == AuthHeader.API_KEY
                ? " (api-key header)" : "")) + "]";
    }
}
