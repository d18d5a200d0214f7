package io.chatstream.backend.anthropic;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatstream.backend.BackendContext;
import io.chatstream.backend.BackendUnavailableException;
import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;
import io.chatstream.backend.ToolChoice;
import io.chatstream.backend.ToolDefinition;
import io.chatstream.backend.upstream.Json;
import io.chatstream.backend.upstream.ModelLists;
import io.chatstream.backend.upstream.ToolJson;
import io.chatstream.backend.upstream.Turns;
import io.chatstream.backend.upstream.UpstreamCall;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Anthropic's Messages API. One reply is one streamed request:
 * <pre>
 * POST {base-url}/messages
 * x-api-key: {api-key}
 * anthropic-version: 2023-06-01
 * content-type: application/json
 * accept: text/event-stream
 *
 * {"model":"claude-sonnet-4-5","max_tokens":4096,"system":"Be brief.",
 *  "messages":[{"role":"user","content":"Hi"}],"stream":true,"temperature":0.7,
 *  "thinking":{"type":"enabled","budget_tokens":2048}}
 * </pre>
 * {@code max_tokens} is the request's, else {@code chat.anthropic.max-tokens} (the API requires one).
 * {@code system} joins every system message; the conversation is reshaped by {@link Turns} (consecutive messages
 * of one side as one message of several blocks, blank texts dropped). Tools, in the request's OpenAI shape:
 * <pre>
 * "tools":[{"name":"get_weather","description":"...","input_schema":{JSON Schema}}],
 * "tool_choice":{"type":"auto"}            (auto | any for "required" | tool + "name" | none)
 * {"role":"assistant","content":[{"type":"text","text":"..."},
 *   {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}}]}
 * {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"18 C"}]}
 * </pre>
 * the tool messages of one round as one user message.
 * {@code thinking} is sent when {@code chat.anthropic.thinking-budget} is set and below the reply's
 * {@code max_tokens} (the API refuses a budget that is not); without it a short reply simply goes without
 * thinking; nor is it sent with a forced tool choice or when the model's last turn called tools (see
 * {@code continuesToolUse}). {@code temperature} is passed as the client gave it, except with thinking, which the
 * API allows only at
 * its default temperature. The response is decoded by {@link AnthropicStreamDecoder}; status codes, timeouts and
 * cancellation are {@link UpstreamCall}'s.
 *
 * <p>{@link #listModels()} asks {@code GET {base-url}/models?limit=1000} with the same headers: the ids of
 * {@code data[]}, one page (a thousand models is beyond any account's list).
 *
 * <p>The key goes into the {@code x-api-key} header and nowhere else: not into URLs, messages, logs or
 * {@link #toString()}.
 */
public final class AnthropicBackend implements ChatBackend {

    /** The API version this dialect is written against. */
    static final String API_VERSION = "2023-06-01";

    /** The smallest thinking budget the API accepts. */
    static final int MIN_THINKING_BUDGET = 1024;

    private final BackendContext context;
    private final URI baseUrl;
    private final URI endpoint;
    private final String apiKey;
    private final String model;
    private final int maxTokens;
    private final int thinkingBudget;
    private final UpstreamCall.Target target;

    /**
     * @param baseUrl        e.g. {@code https://api.anthropic.com/v1}, without a trailing slash
     * @param apiKey         null or empty for a gateway that adds its own
     * @param model          the default model, or null
     * @param maxTokens      {@code max_tokens} when a request gives none; at least 1
     * @param thinkingBudget 0 (no extended thinking) or at least {@value #MIN_THINKING_BUDGET}
     */
    public AnthropicBackend(BackendContext context, URI baseUrl, String apiKey, String model, int maxTokens,
                            int thinkingBudget) {
        this.context = Objects.requireNonNull(context, "context");
        this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1");
        }
        if (thinkingBudget != 0 && thinkingBudget < MIN_THINKING_BUDGET) {
            throw new IllegalArgumentException("thinkingBudget must be 0 or at least " + MIN_THINKING_BUDGET);
        }
        this.endpoint = URI.create(baseUrl + "/messages");
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        this.model = model == null || model.isBlank() ? null : model.strip();
        this.maxTokens = maxTokens;
        this.thinkingBudget = thinkingBudget;
        this.target = new UpstreamCall.Target(UpstreamCall.Target.label(baseUrl), this.apiKey,
                "Check chat.anthropic.api-key.");
    }

    /** {@code chat.anthropic.model}, or "" when it is unset (then every request must name its model). */
    @Override
    public String defaultModel() {
        return model == null ? "" : model;
    }

    @Override
    public Generation start(ChatRequest request, ChatSink sink) throws BackendUnavailableException {
        String chosen = UpstreamCall.model(request, model, "chat.anthropic.model");
        HttpRequest http = headers(UpstreamCall.postJson(endpoint, requestBody(request, chosen), "text/event-stream"))
                .build();
        return UpstreamCall.start(context, http, target, sink, AnthropicStreamDecoder::new);
    }

    private HttpRequest.Builder headers(HttpRequest.Builder http) {
        http.header("anthropic-version", API_VERSION);
        if (apiKey != null) {
            http.header("x-api-key", apiKey);
        }
        return http;
    }

    /** The JSON body of a streamed Messages request. */
    ObjectNode requestBody(ChatRequest request, String chosenModel) {
        ObjectNode body = Json.object();
        body.put("model", chosenModel);
        int max = request.maxTokens() != null ? request.maxTokens() : maxTokens;
        body.put("max_tokens", max);
        Turns turns = Turns.of(request);
        if (turns.system() != null) {
            body.put("system", turns.system());
        }
        ArrayNode messages = body.putArray("messages");
        for (Turns.Turn turn : turns.turns()) {
            ObjectNode message = messages.addObject().put("role", turn.user() ? "user" : "assistant");
            if (turn.parts().size() == 1 && turn.parts().get(0) instanceof Turns.Text only) {
                message.put("content", only.text());
            } else {
                ArrayNode blocks = message.putArray("content");
                turn.parts().forEach(part -> block(blocks.addObject(), part));
            }
        }
        putTools(body, request);
        body.put("stream", true);
        boolean thinking = thinkingBudget >= MIN_THINKING_BUDGET && thinkingBudget < max
                && !forcesTool(request) && !continuesToolUse(turns);
        if (thinking) {
            body.putObject("thinking").put("type", "enabled").put("budget_tokens", thinkingBudget);
        } else if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        return body;
    }

    private static void block(ObjectNode block, Turns.Part part) {
        if (part instanceof Turns.Text t) {
            block.put("type", "text").put("text", t.text());
        } else if (part instanceof Turns.Call c) {
            block.put("type", "tool_use").put("id", c.call().id()).put("name", c.call().name())
                    .set("input", ToolJson.arguments(c.call()));
        } else if (part instanceof Turns.Result r) {
            block.put("type", "tool_result").put("tool_use_id", r.callId());
            if (!r.content().isEmpty()) {
                block.put("content", r.content());
            }
        }
    }

    /** {@code tools} and {@code tool_choice}, when the request offers tools. */
    private static void putTools(ObjectNode body, ChatRequest request) {
        if (request.tools().isEmpty()) {
            return;
        }
        ArrayNode tools = body.putArray("tools");
        for (ToolDefinition t : request.tools()) {
            ObjectNode tool = tools.addObject().put("name", t.name());
            if (!t.description().isEmpty()) {
                tool.put("description", t.description());
            }
            tool.set("input_schema", ToolJson.schema(t));
        }
        ToolChoice choice = request.toolChoice();
        if (choice != null) {
            ObjectNode c = body.putObject("tool_choice");
            switch (choice.mode()) {
                case AUTO -> c.put("type", "auto");
                case NONE -> c.put("type", "none");
                case REQUIRED -> c.put("type", "any");
                case FUNCTION -> c.put("type", "tool").put("name", choice.function());
            }
        }
    }

    /** {@code tool_choice} {@code any} or {@code tool}, which the API refuses with extended thinking. */
    private static boolean forcesTool(ChatRequest request) {
        return !request.tools().isEmpty() && request.toolChoice() != null
                && (request.toolChoice().mode() == ToolChoice.Mode.REQUIRED
                || request.toolChoice().mode() == ToolChoice.Mode.FUNCTION);
    }

    /**
     * Whether the model's last turn called tools: with thinking on, the API wants that turn to begin with the
     * thinking block it came with, which is never kept (reasoning is not sent back), so such a request goes without.
     */
    private static boolean continuesToolUse(Turns turns) {
        for (int i = turns.turns().size() - 1; i >= 0; i--) {
            Turns.Turn t = turns.turns().get(i);
            if (!t.user()) {
                return t.parts().stream().anyMatch(p -> p instanceof Turns.Call);
            }
        }
        return false;
    }

    @Override
    public CompletableFuture<List<String>> listModels() {
        HttpRequest request = headers(ModelLists.newRequest(context, URI.create(baseUrl + "/models?limit=1000")))
                .build();
        return ModelLists.fetch(context, request, target, json -> ModelLists.texts(json, "data", "id"));
    }

    /** The URL replies are asked of. */
    public URI endpoint() {
        return endpoint;
    }

    /** {@code max_tokens} when a request gives none. */
    public int maxTokens() {
        return maxTokens;
    }

    /** The extended thinking budget; 0 when off. */
    public int thinkingBudget() {
        return thinkingBudget;
    }

    @Override
    public String toString() {
        return "AnthropicBackend[" + endpoint + ", model=" + (model == null ? "(per request)" : model)
                + ", max_tokens=" + maxTokens + ", thinking " + (thinkingBudget == 0 ? "off" : thinkingBudget)
                + ", api key " + (apiKey == null ? "not set" : "set") + "]";
    }
}
