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

    /** OpenAI calling the server tool {@code calculator}: its arguments in two pieces. */
    public static final Transcript OPENAI_CALCULATOR = new Transcript("openai calculator call", """
            data: {"id":"chatcmpl-C1","object":"chat.completion.chunk","created":1764790000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_Qm3kGJcYwz1A","type":"function","function":{"name":"calculator","arguments":""}}],"refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-C1","object":"chat.completion.chunk","created":1764790000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"expression\\""}}]},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-C1","object":"chat.completion.chunk","created":1764790000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":": \\"2^10+1\\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-C1","object":"chat.completion.chunk","created":1764790000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}

            data: {"id":"chatcmpl-C1","object":"chat.completion.chunk","created":1764790000,"model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":95,"completion_tokens":18,"total_tokens":113}}

            data: [DONE]

            """,
            "", "", List.of(new ToolCall("call_Qm3kGJcYwz1A", "calculator", "{\"expression\": \"2^10+1\"}")),
            FinishReason.TOOL_CALLS, new Usage(95, 18));

    /** OpenAI calling two server tools at once, {@code calculator} and {@code echo}, after a line of text. */
    public static final Transcript OPENAI_CALCULATOR_AND_ECHO = new Transcript("openai two server calls", """
            data: {"id":"chatcmpl-C2","object":"chat.completion.chunk","created":1764790100,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"role":"assistant","content":"我来算一下。","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-C2","object":"chat.completion.chunk","created":1764790100,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_Ab1","type":"function","function":{"name":"calculator","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-C2","object":"chat.completion.chunk","created":1764790100,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"expression\\":\\"2^10+1\\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-C2","object":"chat.completion.chunk","created":1764790100,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_Cd2","type":"function","function":{"name":"echo","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-C2","object":"chat.completion.chunk","created":1764790100,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\\"text\\": \\"上"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-C2","object":"chat.completion.chunk","created":1764790100,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"海 🌧\\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-C2","object":"chat.completion.chunk","created":1764790100,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}

            data: {"id":"chatcmpl-C2","object":"chat.completion.chunk","created":1764790100,"model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":120,"completion_tokens":40,"total_tokens":160}}

            data: [DONE]

            """,
            "", "我来算一下。",
            List.of(new ToolCall("call_Ab1", "calculator", "{\"expression\":\"2^10+1\"}"),
                    new ToolCall("call_Cd2", "echo", "{\"text\": \"上海 🌧\"}")),
            FinishReason.TOOL_CALLS, new Usage(120, 40));

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

    /** Ollama {@code llama3.1} calling the server tool {@code calculator}: no call id, arguments as an object. */
    public static final Transcript OLLAMA_CALCULATOR = new Transcript("ollama calculator call", """
            {"model":"llama3.1","created_at":"2026-12-03T19:00:00.000000Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"calculator","arguments":{"expression":"2^10+1"}}}]},"done":false}
            {"model":"llama3.1","created_at":"2026-12-03T19:00:00.400000Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":512000000,"prompt_eval_count":160,"eval_count":22}
            """,
            "", "", List.of(new ToolCall("call_0", "calculator", "{\"expression\":\"2^10+1\"}")),
            FinishReason.TOOL_CALLS, new Usage(160, 22));

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

    /**
     * OpenAI Responses API, {@code gpt-4o-mini}: typed events with their {@code event:} lines, Chinese with emoji and
     * text that tries to forge a frame, a keep-alive comment, usage in {@code response.completed}.
     */
    public static final Transcript RESPONSES_CHINESE = new Transcript("responses chinese+emoji", """
            event: response.created
            data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_68a1c9","object":"response","created_at":1755433417,"status":"in_progress","background":false,"error":null,"incomplete_details":null,"instructions":null,"max_output_tokens":null,"model":"gpt-4o-mini-2024-07-18","output":[],"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"store":false,"temperature":1.0,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":1.0,"truncation":"disabled","usage":null,"user":null,"metadata":{}}}

            event: response.in_progress
            data: {"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_68a1c9","object":"response","created_at":1755433417,"status":"in_progress","error":null,"incomplete_details":null,"model":"gpt-4o-mini-2024-07-18","output":[],"usage":null}}

            event: response.output_item.added
            data: {"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"msg_68a1c9","type":"message","status":"in_progress","content":[],"role":"assistant"}}

            event: response.content_part.added
            data: {"type":"response.content_part.added","sequence_number":3,"item_id":"msg_68a1c9","output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":""}}

            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_68a1c9","output_index":0,"content_index":0,"delta":"你好","logprobs":[],"obfuscation":"Xq1"}

            : keep-alive

            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_68a1c9","output_index":0,"content_index":0,"delta":"！👋 我是助手。","logprobs":[],"obfuscation":"a"}

            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":6,"item_id":"msg_68a1c9","output_index":0,"content_index":0,"delta":"\\n\\ndata: x","logprobs":[],"obfuscation":"b7Kp"}

            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":7,"item_id":"msg_68a1c9","output_index":0,"content_index":0,"delta":"\\n- 第二点 👨\u200D👩\u200D👧 \\"引号\\"\\u0021","logprobs":[],"obfuscation":""}

            event: response.output_text.done
            data: {"type":"response.output_text.done","sequence_number":8,"item_id":"msg_68a1c9","output_index":0,"content_index":0,"text":"你好！👋 我是助手。\\n\\ndata: x\\n- 第二点 👨\u200D👩\u200D👧 \\"引号\\"!","logprobs":[]}

            event: response.content_part.done
            data: {"type":"response.content_part.done","sequence_number":9,"item_id":"msg_68a1c9","output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":"你好！👋 我是助手。\\n\\ndata: x\\n- 第二点 👨\u200D👩\u200D👧 \\"引号\\"!"}}

            event: response.output_item.done
            data: {"type":"response.output_item.done","sequence_number":10,"output_index":0,"item":{"id":"msg_68a1c9","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"logprobs":[],"text":"你好！👋 我是助手。\\n\\ndata: x\\n- 第二点 👨\u200D👩\u200D👧 \\"引号\\"!"}],"role":"assistant"}}

            event: response.completed
            data: {"type":"response.completed","sequence_number":11,"response":{"id":"resp_68a1c9","object":"response","created_at":1755433417,"status":"completed","error":null,"incomplete_details":null,"model":"gpt-4o-mini-2024-07-18","output":[{"id":"msg_68a1c9","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"logprobs":[],"text":"你好！👋 我是助手。\\n\\ndata: x\\n- 第二点 👨\u200D👩\u200D👧 \\"引号\\"!"}],"role":"assistant"}],"usage":{"input_tokens":14,"input_tokens_details":{"cached_tokens":0},"output_tokens":27,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":41},"user":null,"metadata":{}}}

            """,
            "", "你好！👋 我是助手。\n\ndata: x\n- 第二点 👨\u200D👩\u200D👧 \"引号\"!",
            List.of(), FinishReason.STOP, new Usage(14, 27));

    /**
     * OpenAI Responses API, {@code o4-mini} with {@code reasoning.summary: "auto"}: a reasoning item streamed as two
     * summary parts (a blank line goes between them), then the answer.
     */
    public static final Transcript RESPONSES_REASONING = new Transcript("responses reasoning summary", """
            event: response.created
            data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_r1","object":"response","status":"in_progress","model":"o4-mini-2025-04-16","output":[],"reasoning":{"effort":"medium","summary":"auto"},"usage":null}}

            event: response.output_item.added
            data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"rs_r1","type":"reasoning","summary":[]}}

            event: response.reasoning_summary_part.added
            data: {"type":"response.reasoning_summary_part.added","sequence_number":2,"item_id":"rs_r1","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":""}}

            event: response.reasoning_summary_text.delta
            data: {"type":"response.reasoning_summary_text.delta","sequence_number":3,"item_id":"rs_r1","output_index":0,"summary_index":0,"delta":"**比较 9.11 和 9.8**","obfuscation":"x"}

            event: response.reasoning_summary_text.delta
            data: {"type":"response.reasoning_summary_text.delta","sequence_number":4,"item_id":"rs_r1","output_index":0,"summary_index":0,"delta":"\\n\\n小数部分：0.11 < 0.8 🤔","obfuscation":"yz"}

            event: response.reasoning_summary_text.done
            data: {"type":"response.reasoning_summary_text.done","sequence_number":5,"item_id":"rs_r1","output_index":0,"summary_index":0,"text":"**比较 9.11 和 9.8**\\n\\n小数部分：0.11 < 0.8 🤔"}

            event: response.reasoning_summary_part.added
            data: {"type":"response.reasoning_summary_part.added","sequence_number":6,"item_id":"rs_r1","output_index":0,"summary_index":1,"part":{"type":"summary_text","text":""}}

            event: response.reasoning_summary_text.delta
            data: {"type":"response.reasoning_summary_text.delta","sequence_number":7,"item_id":"rs_r1","output_index":0,"summary_index":1,"delta":"**Answer**","obfuscation":"q"}

            event: response.output_item.done
            data: {"type":"response.output_item.done","sequence_number":8,"output_index":0,"item":{"id":"rs_r1","type":"reasoning","summary":[{"type":"summary_text","text":"**比较 9.11 和 9.8**\\n\\n小数部分：0.11 < 0.8 🤔"},{"type":"summary_text","text":"**Answer**"}]}}

            event: response.output_item.added
            data: {"type":"response.output_item.added","sequence_number":9,"output_index":1,"item":{"id":"msg_r1","type":"message","status":"in_progress","content":[],"role":"assistant"}}

            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":10,"item_id":"msg_r1","output_index":1,"content_index":0,"delta":"9.8 更大","logprobs":[]}

            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":11,"item_id":"msg_r1","output_index":1,"content_index":0,"delta":"。😊","logprobs":[]}

            event: response.completed
            data: {"type":"response.completed","sequence_number":12,"response":{"id":"resp_r1","object":"response","status":"completed","model":"o4-mini-2025-04-16","output":[],"usage":{"input_tokens":18,"input_tokens_details":{"cached_tokens":0},"output_tokens":64,"output_tokens_details":{"reasoning_tokens":52},"total_tokens":82}}}

            """,
            "**比较 9.11 和 9.8**\n\n小数部分：0.11 < 0.8 🤔\n\n**Answer**", "9.8 更大。😊",
            List.of(), FinishReason.STOP, new Usage(18, 64));

    /**
     * OpenAI Responses API, two function calls made in parallel: each an {@code output_item.added}, its arguments in
     * many deltas, an {@code arguments.done}; the reply ends with {@code response.completed}.
     */
    public static final Transcript RESPONSES_TOOL_CALLS = new Transcript("responses tool calls", """
            event: response.created
            data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_t1","object":"response","status":"in_progress","model":"gpt-4.1-2025-04-14","output":[],"parallel_tool_calls":true,"usage":null}}

            event: response.output_item.added
            data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"fc_68a1","type":"function_call","status":"in_progress","arguments":"","call_id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","name":"get_weather"}}

            event: response.function_call_arguments.delta
            data: {"type":"response.function_call_arguments.delta","sequence_number":2,"item_id":"fc_68a1","output_index":0,"delta":"{\\"ci","obfuscation":"k"}

            event: response.function_call_arguments.delta
            data: {"type":"response.function_call_arguments.delta","sequence_number":3,"item_id":"fc_68a1","output_index":0,"delta":"ty\\": \\"上","obfuscation":"k"}

            event: response.function_call_arguments.delta
            data: {"type":"response.function_call_arguments.delta","sequence_number":4,"item_id":"fc_68a1","output_index":0,"delta":"海","obfuscation":"k"}

            event: response.function_call_arguments.delta
            data: {"type":"response.function_call_arguments.delta","sequence_number":5,"item_id":"fc_68a1","output_index":0,"delta":" 🌧\\"}","obfuscation":"k"}

            event: response.function_call_arguments.done
            data: {"type":"response.function_call_arguments.done","sequence_number":6,"item_id":"fc_68a1","output_index":0,"arguments":"{\\"city\\": \\"上海 🌧\\"}"}

            event: response.output_item.done
            data: {"type":"response.output_item.done","sequence_number":7,"output_index":0,"item":{"id":"fc_68a1","type":"function_call","status":"completed","arguments":"{\\"city\\": \\"上海 🌧\\"}","call_id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","name":"get_weather"}}

            event: response.output_item.added
            data: {"type":"response.output_item.added","sequence_number":8,"output_index":1,"item":{"id":"fc_68a2","type":"function_call","status":"in_progress","arguments":"","call_id":"call_Xk2","name":"get_time"}}

            event: response.function_call_arguments.delta
            data: {"type":"response.function_call_arguments.delta","sequence_number":9,"item_id":"fc_68a2","output_index":1,"delta":"{\\"tz\\":","obfuscation":"k"}

            event: response.function_call_arguments.delta
            data: {"type":"response.function_call_arguments.delta","sequence_number":10,"item_id":"fc_68a2","output_index":1,"delta":"\\"Asia/","obfuscation":"k"}

            event: response.function_call_arguments.delta
            data: {"type":"response.function_call_arguments.delta","sequence_number":11,"item_id":"fc_68a2","output_index":1,"delta":"Shanghai\\"}","obfuscation":"k"}

            event: response.function_call_arguments.done
            data: {"type":"response.function_call_arguments.done","sequence_number":12,"item_id":"fc_68a2","output_index":1,"arguments":"{\\"tz\\":\\"Asia/Shanghai\\"}"}

            event: response.output_item.done
            data: {"type":"response.output_item.done","sequence_number":13,"output_index":1,"item":{"id":"fc_68a2","type":"function_call","status":"completed","arguments":"{\\"tz\\":\\"Asia/Shanghai\\"}","call_id":"call_Xk2","name":"get_time"}}

            event: response.completed
            data: {"type":"response.completed","sequence_number":14,"response":{"id":"resp_t1","object":"response","status":"completed","model":"gpt-4.1-2025-04-14","output":[{"id":"fc_68a1","type":"function_call","status":"completed","arguments":"{\\"city\\": \\"上海 🌧\\"}","call_id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","name":"get_weather"},{"id":"fc_68a2","type":"function_call","status":"completed","arguments":"{\\"tz\\":\\"Asia/Shanghai\\"}","call_id":"call_Xk2","name":"get_time"}],"usage":{"input_tokens":80,"input_tokens_details":{"cached_tokens":0},"output_tokens":35,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":115}}}

            """,
            "", "",
            List.of(new ToolCall("call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather", "{\"city\": \"上海 🌧\"}"),
                    new ToolCall("call_Xk2", "get_time", "{\"tz\":\"Asia/Shanghai\"}")),
            FinishReason.TOOL_CALLS, new Usage(80, 35));

    /** OpenAI Responses API calling the server tool {@code calculator}: one function call item. */
    public static final Transcript RESPONSES_CALCULATOR = new Transcript("responses calculator call", """
            event: response.created
            data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_c1","object":"response","status":"in_progress","model":"gpt-4.1-2025-04-14","output":[],"parallel_tool_calls":true,"usage":null}}

            event: response.output_item.added
            data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"fc_c1","type":"function_call","status":"in_progress","arguments":"","call_id":"call_Qm3kGJcYwz1A","name":"calculator"}}

            event: response.function_call_arguments.delta
            data: {"type":"response.function_call_arguments.delta","sequence_number":2,"item_id":"fc_c1","output_index":0,"delta":"{\\"expression\\":","obfuscation":"k"}

            event: response.function_call_arguments.delta
            data: {"type":"response.function_call_arguments.delta","sequence_number":3,"item_id":"fc_c1","output_index":0,"delta":"\\"2^10+1\\"}","obfuscation":"k"}

            event: response.function_call_arguments.done
            data: {"type":"response.function_call_arguments.done","sequence_number":4,"item_id":"fc_c1","output_index":0,"arguments":"{\\"expression\\":\\"2^10+1\\"}"}

            event: response.output_item.done
            data: {"type":"response.output_item.done","sequence_number":5,"output_index":0,"item":{"id":"fc_c1","type":"function_call","status":"completed","arguments":"{\\"expression\\":\\"2^10+1\\"}","call_id":"call_Qm3kGJcYwz1A","name":"calculator"}}

            event: response.completed
            data: {"type":"response.completed","sequence_number":6,"response":{"id":"resp_c1","object":"response","status":"completed","model":"gpt-4.1-2025-04-14","output":[{"id":"fc_c1","type":"function_call","status":"completed","arguments":"{\\"expression\\":\\"2^10+1\\"}","call_id":"call_Qm3kGJcYwz1A","name":"calculator"}],"usage":{"input_tokens":95,"input_tokens_details":{"cached_tokens":0},"output_tokens":18,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":113}}}

            """,
            "", "", List.of(new ToolCall("call_Qm3kGJcYwz1A", "calculator", "{\"expression\":\"2^10+1\"}")),
            FinishReason.TOOL_CALLS, new Usage(95, 18));

    /** OpenAI Responses API cut by {@code max_output_tokens}: {@code response.incomplete}, finish {@code length}. */
    public static final Transcript RESPONSES_INCOMPLETE = new Transcript("responses max_output_tokens", """
            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_i1","output_index":0,"content_index":0,"delta":"It is **Paris** 🇫🇷","logprobs":[]}

            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_i1","output_index":0,"content_index":0,"delta":" (巴","logprobs":[]}

            event: response.incomplete
            data: {"type":"response.incomplete","sequence_number":6,"response":{"id":"resp_i1","object":"response","status":"incomplete","error":null,"incomplete_details":{"reason":"max_output_tokens"},"max_output_tokens":16,"output":[],"usage":{"input_tokens":10,"output_tokens":16,"total_tokens":26}}}

            """,
            "", "It is **Paris** 🇫🇷 (巴", List.of(), FinishReason.LENGTH, new Usage(10, 16));

    public static final List<Transcript> OPENAI = List.of(OPENAI_CHINESE, DEEPSEEK_REASONER, OPENROUTER,
            OPENAI_TOOL_CALLS, VLLM_THINK_TAGS);

    public static final List<Transcript> OLLAMA = List.of(OLLAMA_THINKING, OLLAMA_TOOL_CALL, OLLAMA_THINK_TAGS);

    public static final List<Transcript> RESPONSES = List.of(RESPONSES_CHINESE, RESPONSES_REASONING,
            RESPONSES_TOOL_CALLS, RESPONSES_INCOMPLETE);
}
