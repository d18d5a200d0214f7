package io.chatstream.bench.dialect;

import java.util.List;

/**
 * Ollama's {@code /api/chat} stream, one JSON object a line:
 * <pre>
 * {"model":"fake-1","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"word "},"done":false}
 * {"model":"fake-1","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":1,"prompt_eval_count":9,"eval_count":200}
 * </pre>
 * Models: {@code GET /api/tags} -&gt; {@code {"models":[{"name":"fake-1","model":"fake-1",...}]}}.
 */
final class OllamaChat implements Dialect {

    private static final String AT = "\"created_at\":\"2026-01-01T00:00:00Z\"";

    @Override
    public String chatPath() {
        return "/api/chat";
    }

    @Override
    public String modelsPath() {
        return "/api/tags";
    }

    @Override
    public String contentType() {
        return "application/x-ndjson";
    }

    @Override
    public String begin(String id, String model) {
        return "";
    }

    @Override
    public String token(String id, String model, String text) {
        return "{\"model\":\"" + model + "\"," + AT + ",\"message\":{\"role\":\"assistant\",\"content\":\"" + text
                + "\"},\"done\":false}\n";
    }

    @Override
    public String end(String id, String model, int promptTokens, int completionTokens) {
        return "{\"model\":\"" + model + "\"," + AT + ",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"done\":true,\"done_reason\":\"stop\",\"total_duration\":1,\"prompt_eval_count\":" + promptTokens
                + ",\"eval_count\":" + completionTokens + "}\n";
    }

    @Override
    public String models(List<String> ids) {
        StringBuilder b = new StringBuilder("{\"models\":[");
        for (int i = 0; i < ids.size(); i++) {
            b.append(i == 0 ? "" : ",").append("{\"name\":\"").append(ids.get(i)).append("\",\"model\":\"")
                    .append(ids.get(i)).append("\",\"modified_at\":\"2026-01-01T00:00:00Z\",\"size\":1}");
        }
        return b.append("]}").toString();
    }
}
