package io.chatstream.backend.testing;

import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Response bodies in each provider's documented wire format, with what a client must see of them: the reasoning
 * and answer text exactly, the tool calls, the finish reason and usage.
 */
public final class Transcripts {

    private Transcripts() {
    }

    /** A recorded body and the reply it carries. */
    public record Transcript(String name, String body, String reasoning, String answer, List<ToolCall> toolCalls,
                             FinishReason finish, Usage usage) {

        /** The body with every LF turned into {@code lineEnd} ({@code \r\n} or {@code \r}). */
        public Transcript withLineEnds(String lineEnd) {
            return new Transcript(name + " " + (lineEnd.equals("\r\n") ? "CRLF" : "CR"),
                    body.replace("\n", lineEnd), reasoning, answer, toolCalls, finish, usage);
        }

        public byte[] bytes() {
            return body.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** OpenAI {@code gpt-4o-mini}: Chinese with emoji, usage in a last chunk with empty choices. */
    public static final Transcript OPENAI_CHINESE = new Transcript("openai chinese+emoji", """
            data: {"id":"chatcmpl-B9MHD","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-B9MHD","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":"你好"},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-B9MHD","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":"！👋 我是"},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-B9MHD","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":"助手。\\n\\n- 第一点 ✅\\n"},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-B9MHD","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":"- 第二点 👨\u200D👩\u200D👧 \\"引号\\"\\n\\n"},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-B9MHD","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":"有问题吗？🙂\\u0021"},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-B9MHD","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}

            data: {"id":"chatcmpl-B9MHD","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":31,"total_tokens":43,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}

            data: [DONE]

            """,
            "", "你好！👋 我是助手。\n\n- 第一点 ✅\n- 第二点 👨\u200D👩\u200D👧 \"引号\"\n\n有问题吗？🙂!",
            List.of(), FinishReason.STOP, new Usage(12, 31));

    /** DeepSeek {@code deepseek-reasoner}: {@code reasoning_content}, keep-alive comments, usage on the last chunk. */
    public static final Transcript DEEPSEEK_REASONER = new Transcript("deepseek reasoning_content", """
            : keep-alive

            : keep-alive

            data: {"id":"a1b2","object":"chat.completion.chunk","created":1738000000,"model":"deepseek-reasoner","system_fingerprint":"fp_7e73fd9a08","choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":""},"logprobs":null,"finish_reason":null}]}

            data: {"id":"a1b2","object":"chat.completion.chunk","created":1738000000,"model":"deepseek-reasoner","system_fingerprint":"fp_7e73fd9a08","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"用户问 9.11 和 9.8"},"logprobs":null,"finish_reason":null}]}

            data: {"id":"a1b2","object":"chat.completion.chunk","created":1738000000,"model":"deepseek-reasoner","system_fingerprint":"fp_7e73fd9a08","choices":[{"index":0,"delta":{"content":null,"reasoning_content":" 哪个大。\\n比较小数部分：0.11 < 0.8 🤔"},"logprobs":null,"finish_reason":null}]}

            data: {"id":"a1b2","object":"chat.completion.chunk","created":1738000000,"model":"deepseek-reasoner","system_fingerprint":"fp_7e73fd9a08","choices":[{"index":0,"delta":{"content":"9.8 更大","reasoning_content":null},"logprobs":null,"finish_reason":null}]}

            data: {"id":"a1b2","object":"chat.completion.chunk","created":1738000000,"model":"deepseek-reasoner","system_fingerprint":"fp_7e73fd9a08","choices":[{"index":0,"delta":{"content":"。😊","reasoning_content":null},"logprobs":null,"finish_reason":null}]}

            data: {"id":"a1b2","object":"chat.completion.chunk","created":1738000000,"model":"deepseek-reasoner","system_fingerprint":"fp_7e73fd9a08","choices":[{"index":0,"delta":{"content":"","reasoning_content":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":18,"completion_tokens":64,"total_tokens":82,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":52},"prompt_cache_hit_tokens":0,"prompt_cache_miss_tokens":18}}

            data: [DONE]

            """,
            "用户问 9.11 和 9.8 哪个大。\n比较小数部分：0.11 < 0.8 🤔", "9.8 更大。😊",
            List.of(), FinishReason.STOP, new Usage(18, 64));

    /** OpenRouter: processing comments, {@code delta.reasoning}, {@code data:} without a space, usage at the end. */
    public static final Transcript OPENROUTER = new Transcript("openrouter reasoning", """
            : OPENROUTER PROCESSING

            : OPENROUTER PROCESSING

            data: {"id":"gen-17","provider":"Chutes","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"Capital of France"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

            data:{"id":"gen-17","provider":"Chutes","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":": Paris 🗼."},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

            data: {"id":"gen-17","provider":"Chutes","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"It is **Paris** 🇫🇷 (巴黎).","reasoning":null},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

            : OPENROUTER PROCESSING

            data: {"id":"gen-17","provider":"Chutes","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"length","native_finish_reason":"length","logprobs":null}]}

            data: {"id":"gen-17","provider":"Chutes","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"native_finish_reason":null,"logprobs":null}],"usage":{"prompt_tokens":10,"completion_tokens":40,"total_tokens":50}}

            data: [DONE]

            """,
            "Capital of France: Paris 🗼.", "It is **Paris** 🇫🇷 (巴黎).",
            List.of(), FinishReason.LENGTH, new Usage(10, 40));

    /** OpenAI tool calls: two calls, their arguments in pieces, {@code finish_reason: "tool_calls"}. */
    public static final Transcript OPENAI_TOOL_CALLS = new Transcript("openai tool calls", """
            data: {"id":"chatcmpl-T","object":"chat.completion.chunk","created":1741570000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function","function":{"name":"get_weather","arguments":""}}],"refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-T","object":"chat.completion.chunk","created":1741570000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"ci"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-T","object":"chat.completion.chunk","created":1741570000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\\": \\"上海"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-T","object":"chat.completion.chunk","created":1741570000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":" 🌧\\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-T","object":"chat.completion.chunk","created":1741570000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_Xk2","type":"function","function":{"name":"get_time","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-T","object":"chat.completion.chunk","created":1741570000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\\"tz\\":\\"Asia/Shanghai\\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-T","object":"chat.completion.chunk","created":1741570000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}

            data: {"id":"chatcmpl-T","object":"chat.completion.chunk","created":1741570000,"model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":80,"completion_tokens":35,"total_tokens":115}}

            data: [DONE]

            """,
            "", "",
            List.of(new ToolCall("call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather", "{\"city\": \"上海 🌧\"}"),
                    new ToolCall("call_Xk2", "get_time", "{\"tz\":\"Asia/Shanghai\"}")),
            FinishReason.TOOL_CALLS, new Usage(80, 35));

    /** vLLM serving QwQ without a reasoning parser: a {@code <think>} block in the content, tags cut apart. */
    public static final Transcript VLLM_THINK_TAGS = new Transcript("vllm think tags", """
            data: {"id":"chatcmpl-9f","object":"chat.completion.chunk","created":1741571000,"model":"Qwen/QwQ-32B","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}

            data: {"id":"chatcmpl-9f","object":"chat.completion.chunk","created":1741571000,"model":"Qwen/QwQ-32B","choices":[{"index":0,"delta":{"content":"<thi"},"logprobs":null,"finish_reason":null}]}

            data: {"id":"chatcmpl-9f","object":"chat.completion.chunk","created":1741571000,"model":"Qwen/QwQ-32B","choices":[{"index":0,"delta":{"content":"nk>\\n好的，用户"},"logprobs":null,"finish_reason":null}]}

            data: {"id":"chatcmpl-9f","object":"chat.completion.chunk","created":1741571000,"model":"Qwen/QwQ-32B","choices":[{"index":0,"delta":{"content":"想知道 1+1。</th"},"logprobs":null,"finish_reason":null}]}

            data: {"id":"chatcmpl-9f","object":"chat.completion.chunk","created":1741571000,"model":"Qwen/QwQ-32B","choices":[{"index":0,"delta":{"content":"ink>\\n\\n1 + 1 = **2** ✨"},"logprobs":null,"finish_reason":null}]}

            data: {"id":"chatcmpl-9f","object":"chat.completion.chunk","created":1741571000,"model":"Qwen/QwQ-32B","choices":[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"stop","stop_reason":null}]}

            data: {"id":"chatcmpl-9f","object":"chat.completion.chunk","created":1741571000,"model":"Qwen/QwQ-32B","choices":[],"usage":{"prompt_tokens":15,"total_tokens":40,"completion_tokens":25}}

            data: [DONE]

            """,
            "\n好的，用户想知道 1+1。", "1 + 1 = **2** ✨",
            List.of(), FinishReason.STOP, new Usage(15, 25));

    /** Ollama {@code qwen3} with thinking enabled. */
    public static final Transcript OLLAMA_THINKING = new Transcript("ollama thinking", """
            {"model":"qwen3:8b","created_at":"2025-06-01T10:00:00.000000Z","message":{"role":"assistant","content":"","thinking":"用户在"},"done":false}
            {"model":"qwen3:8b","created_at":"2025-06-01T10:00:00.050000Z","message":{"role":"assistant","content":"","thinking":"打招呼 👋"},"done":false}
            {"model":"qwen3:8b","created_at":"2025-06-01T10:00:00.100000Z","message":{"role":"assistant","content":"你好！"},"done":false}
            {"model":"qwen3:8b","created_at":"2025-06-01T10:00:00.150000Z","message":{"role":"assistant","content":"很高兴见到你 😄\\n"},"done":false}
            {"model":"qwen3:8b","created_at":"2025-06-01T10:00:00.200000Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":4883583458,"load_duration":1334875,"prompt_eval_count":26,"prompt_eval_duration":342546000,"eval_count":282,"eval_duration":4535599000}
            """,
            "用户在打招呼 👋", "你好！很高兴见到你 😄\n",
            List.of(), FinishReason.STOP, new Usage(26, 282));

    /** Ollama {@code llama3.1} calling a tool: the call complete in one line, arguments as an object. */
    public static final Transcript OLLAMA_TOOL_CALL = new Transcript("ollama tool call", """
            {"model":"llama3.1","created_at":"2025-06-01T10:00:00Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"东京"}}}]},"done":false}
            {"model":"llama3.1","created_at":"2025-06-01T10:00:01Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":100,"eval_count":20}
            """,
            "", "", List.of(new ToolCall("call_0", "get_weather", "{\"city\":\"东京\"}")),
            FinishReason.TOOL_CALLS, new Usage(100, 20));

    /** An older Ollama serving {@code deepseek-r1}: the thinking as a {@code <think>} block in the content. */
    public static final Transcript OLLAMA_THINK_TAGS = new Transcript("ollama think tags", """
            {"model":"deepseek-r1:7b","created_at":"2025-02-01T10:00:00Z","message":{"role":"assistant","content":"<think>"},"done":false}
            {"model":"deepseek-r1:7b","created_at":"2025-02-01T10:00:00Z","message":{"role":"assistant","content":"\\n嗯，"},"done":false}
            {"model":"deepseek-r1:7b","created_at":"2025-02-01T10:00:00Z","message":{"role":"assistant","content":"简单。\\n"},"done":false}
            {"model":"deepseek-r1:7b","created_at":"2025-02-01T10:00:00Z","message":{"role":"assistant","content":"</think>"},"done":false}
            {"model":"deepseek-r1:7b","created_at":"2025-02-01T10:00:00Z","message":{"role":"assistant","content":"\\n\\n"},"done":false}
            {"model":"deepseek-r1:7b","created_at":"2025-02-01T10:00:00Z","message":{"role":"assistant","content":"答：4 🙂"},"done":false}

            {"model":"deepseek-r1:7b","created_at":"2025-02-01T10:00:01Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"length","prompt_eval_count":9,"eval_count":16}
            """,
            "\n嗯，简单。\n", "答：4 🙂", List.of(), FinishReason.LENGTH, new Usage(9, 16));

    public static final List<Transcript> OPENAI = List.of(OPENAI_CHINESE, DEEPSEEK_REASONER, OPENROUTER,
            OPENAI_TOOL_CALLS, VLLM_THINK_TAGS);

    public static final List<Transcript> OLLAMA = List.of(OLLAMA_THINKING, OLLAMA_TOOL_CALL, OLLAMA_THINK_TAGS);
}
