package io.chatstream.bench.dialect;

import java.util.List;

/**
 * The OpenAI {@code chat.completions} stream with {@code stream_options.include_usage}, as OpenAI, vLLM and most
 * compatible servers send it:
 * <pre>
 * data: {"id":"r1","object":"chat.completion.chunk","created":1767225600,"model":"fake-1","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}
 *
 * data: {"id":"r1","object":"chat.completion.chunk","created":1767225600,"model":"fake-1","choices":[{"index":0,"delta":{"content":"word "},"finish_reason":null}]}
 *
 * data: {"id":"r1","object":"chat.completion.chunk","created":1767225600,"model":"fake-1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}
 *
 * data: {"id":"r1","object":"chat.completion.chunk","created":1767225600,"model":"fake-1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":200,"total_tokens":209}}
 *
 * data: [DONE]
 * </pre>
 * Models: {@code GET .../models} -&gt; {@code {"object":"list","data":[{"id":"fake-1","object":"model",...}]}}.
 */
final class OpenAiChatCompletions implements Dialect {

    private static final String CREATED = "1767225600";

    @Override
    public String chatPath() {
        return "/chat/completions";
    }

    @Override
    public String modelsPath() {
        return "/models";
    }

    @Override
    public String contentType() {
        return "text/event-stream; charset=utf-8";
    }

    private static String chunk(String id, String model, String rest) {
        return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + CREATED
                + ",\"model\":\"" + model + "\",\"choices\":" + rest + "}\n\n";
    }

    @Override
    public String begin(String id, String model) {
        return chunk(id, model, "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"finish_reason\":null}]");
    }

    @Override
    public String token(String id, String model, String text) {
        return chunk(id, model, "[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]");
    }

    @Override
    public String end(String id, String model, int promptTokens, int completionTokens) {
        return chunk(id, model, "[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]")
                + chunk(id, model, "[],\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":"
                + completionTokens + ",\"total_tokens\":" + (promptTokens + completionTokens) + "}")
                + "data: [DONE]\n\n";
    }

    @Override
    public String models(List<String> ids) {
        StringBuilder b = new StringBuilder("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < ids.size(); i++) {
            b.append(i == 0 ? "" : ",").append("{\"id\":\"").append(ids.get(i))
                    .append("\",\"object\":\"model\",\"created\":").append(CREATED).append(",\"owned_by\":\"bench\"}");
        }
        return b.append("]}").toString();
    }
}
