package io.chatstream.bench.dialect;

import java.util.List;

/**
 * How one provider's API streams a reply, for {@link io.chatstream.bench.FakeModelServer}: the paths it answers and
 * the text of each part of a streamed body. One small class per provider; adding a provider (Anthropic, Gemini, the
 * OpenAI Responses API) is one more implementation in {@link #ALL}. Frames are ASCII text (the fake upstream's tokens
 * are plain words) and carry their own delimiters ({@code \n\n} for SSE, {@code \n} for NDJSON).
 */
public interface Dialect {

    /** Every dialect the fake upstream speaks, tried in this order. */
    List<Dialect> ALL = List.of(new OpenAiChatCompletions(), new OllamaChat());

    /** The path suffix of a streamed chat request ({@code POST}), e.g. {@code /chat/completions}. */
    String chatPath();

    /** The path suffix of the model list ({@code GET}), e.g. {@code /models}. */
    String modelsPath();

    /** The {@code Content-Type} of a streamed reply. */
    String contentType();

    /** What comes before the first token (may be empty). */
    String begin(String replyId, String model);

    /** One token. */
    String token(String replyId, String model, String text);

    /** What ends the reply: the finish, the usage, and any end marker. */
    String end(String replyId, String model, int promptTokens, int completionTokens);

    /** The body of the model list (JSON). */
    String models(List<String> ids);

    /** The dialect that answers {@code method} on {@code path}, or null. */
    static Dialect route(String method, String path) {
        for (Dialect d : ALL) {
            if (method.equals("POST") && path.endsWith(d.chatPath())
                    || method.equals("GET") && path.endsWith(d.modelsPath())) {
                return d;
            }
        }
        return null;
    }
}
