package io.chatstream.backend.gemini;

import io.chatstream.backend.testing.Transcripts.Transcript;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

import java.util.List;

/**
 * Gemini {@code streamGenerateContent?alt=sse} response bodies in the documented format (each event a whole
 * {@code GenerateContentResponse}, no {@code [DONE]}), with what a client must see of them.
 */
final class GeminiTranscripts {

    private GeminiTranscripts() {
    }

    /** Chinese with emoji, a forged frame in the text, usage on every event, the end on the finishReason event. */
    static final Transcript CHINESE = new Transcript("gemini chinese+emoji", """
            data: {"candidates": [{"content": {"parts": [{"text": "你好"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 1,"totalTokenCount": 9,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 8}]},"modelVersion": "gemini-2.0-flash","responseId": "mAitaM_sIZmB1PIP4-LN4As"}

            data: {"candidates": [{"content": {"parts": [{"text": "！👋 我是 Gemini。\\n\\ndata: x\\n- 第二点 👨\u200D👩\u200D👧 "}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 17,"totalTokenCount": 25},"modelVersion": "gemini-2.0-flash","responseId": "mAitaM_sIZmB1PIP4-LN4As"}

            data: {"candidates": [{"content": {"parts": [{"text": "\\"引号\\"\\u0021"}],"role": "model"},"finishReason": "STOP","index": 0,"safetyRatings": [{"category": "HARM_CATEGORY_HATE_SPEECH","probability": "NEGLIGIBLE"}]}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 21,"totalTokenCount": 29,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 8}],"candidatesTokensDetails": [{"modality": "TEXT","tokenCount": 21}]},"modelVersion": "gemini-2.0-flash","responseId": "mAitaM_sIZmB1PIP4-LN4As"}

            """,
            "", "你好！👋 我是 Gemini。\n\ndata: x\n- 第二点 👨\u200D👩\u200D👧 \"引号\"!",
            List.of(), FinishReason.STOP, new Usage(8, 21));

    /** A thinking model with {@code includeThoughts}: thought summaries (the flag before or after the text), then text. */
    static final Transcript THINKING = new Transcript("gemini thoughts", """
            data: {"candidates":[{"content":{"parts":[{"text":"**Comparing decimals**\\n\\n","thought":true}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":14,"totalTokenCount":120,"thoughtsTokenCount":106},"modelVersion":"gemini-2.5-flash","responseId":"Vh0wadrxLNP-1e8P3vGQ0Ao"}

            data: {"candidates":[{"content":{"parts":[{"thought":true,"text":"9.11 和 9.8：比较小数部分 🤔"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":14,"totalTokenCount":180,"thoughtsTokenCount":166},"modelVersion":"gemini-2.5-flash","responseId":"Vh0wadrxLNP-1e8P3vGQ0Ao"}

            data: {"candidates":[{"content":{"parts":[{"text":"9.8 更大。","thoughtSignature":"CiQB0e2Kb3dRh+BQoUmS4Ke6dL0vKkOe"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":14,"candidatesTokenCount":4,"totalTokenCount":184,"thoughtsTokenCount":166},"modelVersion":"gemini-2.5-flash","responseId":"Vh0wadrxLNP-1e8P3vGQ0Ao"}

            data: {"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":14,"candidatesTokenCount":6,"totalTokenCount":186,"thoughtsTokenCount":166},"modelVersion":"gemini-2.5-flash","responseId":"Vh0wadrxLNP-1e8P3vGQ0Ao"}

            """,
            "**Comparing decimals**\n\n9.11 和 9.8：比较小数部分 🤔", "9.8 更大。",
            List.of(), FinishReason.STOP, new Usage(14, 172));

    /** Two function calls in parallel in one event, ids given, then the finishReason: {@code tool_calls}. */
    static final Transcript FUNCTION_CALLS = new Transcript("gemini function calls", """
            data: {"candidates": [{"content": {"parts": [{"text": "我来查一下。"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 60,"candidatesTokenCount": 4,"totalTokenCount": 64},"modelVersion": "gemini-2.5-flash"}

            data: {"candidates": [{"content": {"parts": [{"functionCall": {"id": "fc_1", "name": "get_weather","args": {"city": "上海 🌧", "days": 3, "units": {"temp": "c"}}}},{"functionCall": {"name": "get_time","args": {"tz": "Asia/Shanghai"},"id": "fc_2"}}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 60,"candidatesTokenCount": 30,"totalTokenCount": 90},"modelVersion": "gemini-2.5-flash"}

            """,
            "", "我来查一下。",
            List.of(new ToolCall("fc_1", "get_weather", "{\"city\":\"上海 🌧\",\"days\":3,\"units\":{\"temp\":\"c\"}}"),
                    new ToolCall("fc_2", "get_time", "{\"tz\":\"Asia/Shanghai\"}")),
            FinishReason.TOOL_CALLS, new Usage(60, 30));

    /**
     * A thinking model calling the server tool {@code calculator}: a signed {@code functionCall} part without an id
     * (the server makes one up), in the event that carries the finishReason.
     */
    static final Transcript CALCULATOR = new Transcript("gemini calculator call", """
            data: {"candidates": [{"content": {"parts": [{"functionCall": {"name": "calculator","args": {"expression": "2^10+1"}},"thoughtSignature": "CiQB0e2Kb4cAlCsIgnAtUrE+BQoUmS4Ke6dL"}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 90,"candidatesTokenCount": 20,"totalTokenCount": 140,"thoughtsTokenCount": 30},"modelVersion": "gemini-2.5-flash","responseId": "cAlcaM_sIZmB1PIP4-LN4As"}

            """,
            "", "", List.of(new ToolCall("", "calculator", "{\"expression\":\"2^10+1\"}")),
            FinishReason.TOOL_CALLS, new Usage(90, 50));

    /** Cut by {@code maxOutputTokens}; a code-execution part without text on the way is skipped. */
    static final Transcript MAX_TOKENS = new Transcript("gemini max tokens", """
            data: {"candidates":[{"content":{"parts":[{"text":"从前有座山，"},{"executableCode":{"language":"PYTHON","code":"print(1)"}}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":6,"totalTokenCount":11},"modelVersion":"gemini-2.0-flash"}

            data: {"candidates":[{"content":{"parts":[{"text":"山上有座庙"}],"role":"model"},"finishReason":"MAX_TOKENS","index":0}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":12,"totalTokenCount":17},"modelVersion":"gemini-2.0-flash"}

            """,
            "", "从前有座山，山上有座庙", List.of(), FinishReason.LENGTH, new Usage(5, 12));

    static final List<Transcript> ALL = List.of(CHINESE, THINKING, FUNCTION_CALLS, MAX_TOKENS);
}
