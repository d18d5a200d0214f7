package io.chatstream.backend.gemini;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Google's Gemini API ({@code generativelanguage.googleapis.com}). One reply is one streamed request:
 * <pre>
 * POST {base-url}/models/{model}:streamGenerateContent?alt=sse
 * x-goog-api-key: {api-key}
 * Content-Type: application/json
 * Accept: text/event-stream
 *
 * {"contents":[{"role":"user","parts":[{"text":"Hi"}]},{"role":"model","parts":[{"text":"Hello!"}]},
 *              {"role":"user","parts":[{"text":"Again"}]}],
 *  "systemInstruction":{"parts":[{"text":"Be brief."}]},
 *  "generationConfig":{"temperature":0.7,"maxOutputTokens":512,"thinkingConfig":{"includeThoughts":true}}}
 * </pre>
 * Roles: {@code assistant} is {@code model}; system messages are the {@code systemInstruction}; the conversation
 * is reshaped by {@link Turns} (consecutive messages of one side as one content of several parts, blank texts
 * dropped). Tools, in the request's OpenAI shape:
 * <pre>
 * "tools":[{"functionDeclarations":[{"name":"get_weather","description":"...","parameters":{schema}}]}],
 * "toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}}
 * {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},
 *                           "thoughtSignature":"skip_thought_signature_validator"}]}
 * {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"output":"18 C"}}}]}
 * </pre>
 * ({@code mode} AUTO, NONE, or ANY for "required" and for one function, named in {@code allowedFunctionNames}).
 * A schema without properties is left out (Gemini refuses an OBJECT with none); a function response names the
 * function of the call it answers, found in the history; a result that is a JSON object is the response, any other
 * text is {@code {"output":text}}. {@code generationConfig} carries what the client gave, and
 * {@code thinkingConfig.includeThoughts} when {@code chat.gemini.include-thoughts} is set (only thinking models
 * accept it). The model is percent-encoded into the path, so a client's model name cannot reach another URL. The
 * response is decoded by {@link GeminiStreamDecoder}; status codes, timeouts and cancellation are
 * {@link UpstreamCall}'s.
 *
 * <p>{@link #listModels()} asks {@code GET {base-url}/models?pageSize=1000}, and the next page once when the answer
 * has a {@code nextPageToken} (two pages: two thousand models, far beyond the API's list): the names without their
 * {@code models/} prefix, of the models whose {@code supportedGenerationMethods} include {@code generateContent}.
 *
 * <p>The key goes into the {@code x-goog-api-key} header and nowhere else: never into a URL (where proxies and
 * access logs would keep it), messages, logs or {@link #toString()}.
 */
public final class GeminiBackend implements ChatBackend {

    /**
     * The signature Gemini documents for a call whose own signature was not kept (Gemini 3 refuses a call in the
     * history without one); the real ones are never stored.
     */
    static final String SKIP_SIGNATURE = "skip_thought_signature_validator";

    private final BackendContext context;
    private final URI baseUrl;
    private final String apiKey;
    private final String model;
    private final boolean includeThoughts;
    private final UpstreamCall.Target target;

    /**
     * @param baseUrl         e.g. {@code https://generativelanguage.googleapis.com/v1beta}, no trailing slash
     * @param apiKey          null or empty for a gateway that adds its own
     * @param model           the default model (with or without {@code models/}), or null
     * @param includeThoughts ask thinking models for their thought summaries, streamed as {@code reasoning}
     */
    public GeminiBackend(BackendContext context, URI baseUrl, String apiKey, String model, boolean includeThoughts) {
        this.context = Objects.requireNonNull(context, "context");
        this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        this.model = model == null || model.isBlank() ? null : withoutPrefix(model.strip());
        this.includeThoughts = includeThoughts;
        this.target = new UpstreamCall.Target(UpstreamCall.Target.label(baseUrl), this.apiKey,
                "Check chat.gemini.api-key.");
    }

    /** {@code chat.gemini.model}, or "" when it is unset (then every request must name its model). */
    @Override
    public String defaultModel() {
        return model == null ? "" : model;
    }

    @Override
    public Generation start(ChatRequest request, ChatSink sink) throws BackendUnavailableException {
        String chosen = withoutPrefix(UpstreamCall.model(request, model, "chat.gemini.model"));
        HttpRequest http = key(UpstreamCall.postJson(endpoint(chosen), requestBody(request), "text/event-stream"))
                .build();
        return UpstreamCall.start(context, http, target, sink, GeminiStreamDecoder::new);
    }

    /** {@code {base-url}/models/{model}:streamGenerateContent?alt=sse}, the model percent-encoded. */
    URI endpoint(String chosenModel) {
        return URI.create(baseUrl + "/models/" + pathSegment(chosenModel) + ":streamGenerateContent?alt=sse");
    }

    private HttpRequest.Builder key(HttpRequest.Builder http) {
        if (apiKey != null) {
            http.header("x-goog-api-key", apiKey);
        }
        return http;
    }

    /** The JSON body of a {@code streamGenerateContent} request. */
    ObjectNode requestBody(ChatRequest request) {
        ObjectNode body = Json.object();
        Turns turns = Turns.of(request);
        ArrayNode contents = body.putArray("contents");
        for (Turns.Turn turn : turns.turns()) {
            ObjectNode content = contents.addObject().put("role", turn.user() ? "user" : "model");
            ArrayNode parts = content.putArray("parts");
            turn.parts().forEach(part -> part(parts.addObject(), part));
        }
        putTools(body, request);
        if (turns.system() != null) {
            body.putObject("systemInstruction").putArray("parts").addObject().put("text", turns.system());
        }
        if (request.temperature() != null || request.maxTokens() != null || includeThoughts) {
            ObjectNode config = body.putObject("generationConfig");
            if (request.temperature() != null) {
                config.put("temperature", request.temperature());
            }
            if (request.maxTokens() != null) {
                config.put("maxOutputTokens", request.maxTokens());
            }
            if (includeThoughts) {
                config.putObject("thinkingConfig").put("includeThoughts", true);
            }
        }
        return body;
    }

    private static void part(ObjectNode part, Turns.Part p) {
        if (p instanceof Turns.Text t) {
            part.put("text", t.text());
        } else if (p instanceof Turns.Call c) {
            part.putObject("functionCall").put("name", c.call().name()).set("args", ToolJson.arguments(c.call()));
            if (c.first()) {
                part.put("thoughtSignature", SKIP_SIGNATURE);
            }
        } else if (p instanceof Turns.Result r) {
            part.putObject("functionResponse").put("name", r.name()).set("response", response(r.content()));
        }
    }

    /** A tool's result as Gemini's {@code response} object: a JSON object as it is, any other text as its output. */
    static ObjectNode response(String content) {
        try {
            JsonNode n = Json.MAPPER.readTree(content);
            if (n != null && n.isObject()) {
                return (ObjectNode) n;
            }
        } catch (JsonProcessingException e) {
            // plain text: the output
        }
        return Json.object().put("output", content);
    }

    /** {@code tools} and {@code toolConfig}, when the request offers tools. */
    private static void putTools(ObjectNode body, ChatRequest request) {
        if (request.tools().isEmpty()) {
            return;
        }
        ArrayNode declarations = body.putArray("tools").addObject().putArray("functionDeclarations");
        for (ToolDefinition t : request.tools()) {
            ObjectNode d = declarations.addObject().put("name", t.name());
            if (!t.description().isEmpty()) {
                d.put("description", t.description());
            }
            if (!ToolJson.takesNoArguments(t)) {
                d.set("parametersJsonSchema", ToolJson.schema(t)); // full JSON Schema; "parameters" takes only an OpenAPI subset
            }
        }
        ToolChoice choice = request.toolChoice();
        if (choice != null) {
            ObjectNode config = body.putObject("toolConfig").putObject("functionCallingConfig");
            switch (choice.mode()) {
                case AUTO -> config.put("mode", "AUTO");
                case NONE -> config.put("mode", "NONE");
                case REQUIRED -> config.put("mode", "ANY");
                case FUNCTION -> config.put("mode", "ANY").putArray("allowedFunctionNames").add(choice.function());
            }
        }
    }

    @Override
    public CompletableFuture<List<String>> listModels() {
        List<String> ids = new ArrayList<>();
        return page(null).thenCompose(first -> {
            String next = modelIds(first, ids);
            return next == null ? CompletableFuture.completedFuture(ids)
                    : page(next).thenApply(second -> {
                        modelIds(second, ids);
                        return ids;
                    });
        });
    }

    private CompletableFuture<JsonNode> page(String token) {
        String query = "?pageSize=1000" + (token == null ? "" : "&pageToken=" + pathSegment(token));
        return ModelLists.fetchJson(context, key(ModelLists.newRequest(context, URI.create(baseUrl + "/models" + query)))
                .build(), target);
    }

    /**
     * Adds the usable models of one {@code GET /models} page to {@code ids}:
     * {@code {"models":[{"name":"models/gemini-2.5-flash","supportedGenerationMethods":["generateContent",...]}],
     * "nextPageToken":"..."}}. Returns the next page's token, or null.
     */
    static String modelIds(JsonNode page, List<String> ids) {
        for (JsonNode m : page.path("models")) {
            String name = Json.text(m, "name");
            boolean generates = false;
            for (JsonNode method : m.path("supportedGenerationMethods")) {
                generates |= "generateContent".equals(method.asText());
            }
            if (name != null && !name.isBlank() && generates) {
                ids.add(withoutPrefix(name));
            }
        }
        String next = Json.text(page, "nextPageToken");
        return next == null || next.isEmpty() ? null : next;
    }

    private static String withoutPrefix(String name) {
        return name.startsWith("models/") ? name.substring("models/".length()) : name;
    }

    /** {@code value} with every byte but the unreserved ones ({@code A-Z a-z 0-9 - . _ ~}) percent-encoded. */
    static String pathSegment(String value) {
        StringBuilder b = new StringBuilder(value.length());
        for (byte c : value.getBytes(StandardCharsets.UTF_8)) {
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xF, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return b.toString();
    }

    /** The base URL: every request goes below it. */
    public URI baseUrl() {
        return baseUrl;
    }

    @Override
    public String toString() {
        return "GeminiBackend[" + baseUrl + ", model=" + (model == null ? "(per request)" : model)
                + (includeThoughts ? ", thoughts included" : "")
                + ", api key " + (apiKey == null ? "not set" : "set") + "]";
    }
}
