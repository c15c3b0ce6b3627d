import PluginKit

// Endpoint defaults, OpenAI-compatible presets, parameter rules (docs/configuration.md) and default
// prices (USD per million tokens). Users override prices and add models in their config.

extension OpenAIProvider {
    // Rules the open-weight servers share (vLLM, llama.cpp, LM Studio, Together, …).
    static let topK: JSONValue = ["tier": "common", "type": "integer", "min": 1, "max": 1000]
    static let minP: JSONValue = ["tier": "common", "type": "number", "min": 0, "max": 1]
    static let repetitionPenalty: JSONValue = ["tier": "common", "type": "number", "min": 0, "max": 2]

    static let manifest = PluginManifest(
        id: "openai",
        name: "OpenAI Chat Completions",
        version: "0.1.0",
        description: "OpenAI /v1/chat/completions and compatible servers, streaming and tool calls.",
        provider: [
            "api": "openai-chat",
            "auth": ["style": "bearer"],
            "default_base_url": "https://api.openai.com/v1",
            "key_env": "OPENAI_API_KEY",
            // Presets: OpenAI-compatible servers. Their own parameter rules (`params`) lay over
            // the plugin's below: open-weight servers take top_k, min_p and repetition
            // penalties, which OpenAI refuses (docs/configuration.md, "Presets").
            "presets": [
                ["id": "openai", "name": "OpenAI", "base_url": "https://api.openai.com/v1", "key_env": "OPENAI_API_KEY"],
                ["id": "groq", "name": "Groq", "base_url": "https://api.groq.com/openai/v1", "key_env": "GROQ_API_KEY"],
                ["id": "together", "name": "Together AI", "base_url": "https://api.together.xyz/v1", "key_env": "TOGETHER_API_KEY",
                 "params": ["top_k": Self.topK, "min_p": Self.minP, "repetition_penalty": Self.repetitionPenalty]],
                ["id": "fireworks", "name": "Fireworks AI", "base_url": "https://api.fireworks.ai/inference/v1", "key_env": "FIREWORKS_API_KEY",
                 "params": ["top_k": Self.topK, "min_p": Self.minP, "repetition_penalty": Self.repetitionPenalty]],
                ["id": "openrouter", "name": "OpenRouter", "base_url": "https://openrouter.ai/api/v1", "key_env": "OPENROUTER_API_KEY",
                 "params": ["top_k": Self.topK, "min_p": Self.minP, "repetition_penalty": Self.repetitionPenalty]],
                ["id": "deepseek", "name": "DeepSeek", "base_url": "https://api.deepseek.com/v1", "key_env": "DEEPSEEK_API_KEY"],
                ["id": "mistral", "name": "Mistral", "base_url": "https://api.mistral.ai/v1", "key_env": "MISTRAL_API_KEY",
                 "params": ["temperature": ["tier": "universal", "type": "number", "min": 0, "max": 1.5, "default": 0.7]]],
                ["id": "xai", "name": "xAI", "base_url": "https://api.x.ai/v1", "key_env": "XAI_API_KEY"],
                ["id": "perplexity", "name": "Perplexity", "base_url": "https://api.perplexity.ai", "key_env": "PERPLEXITY_API_KEY",
                 "params": ["top_k": ["tier": "common", "type": "integer", "min": 0, "max": 2048]]],
                ["id": "vllm", "name": "vLLM (local)", "base_url": "http://127.0.0.1:8000/v1", "local": true,
                 "params": ["top_k": Self.topK, "min_p": Self.minP, "repetition_penalty": Self.repetitionPenalty]],
                ["id": "ollama", "name": "Ollama (local)", "base_url": "http://127.0.0.1:11434/v1", "local": true,
                 "params": ["top_k": Self.topK]],
                ["id": "lmstudio", "name": "LM Studio (local)", "base_url": "http://127.0.0.1:1234/v1", "local": true,
                 "params": ["top_k": Self.topK, "min_p": Self.minP, "repeat_penalty": Self.repetitionPenalty]],
                ["id": "llamacpp", "name": "llama.cpp server (local)", "base_url": "http://127.0.0.1:8080/v1", "local": true,
                 "params": ["top_k": Self.topK, "min_p": Self.minP, "repeat_penalty": Self.repetitionPenalty]],
            ],
            "params": [
                "temperature": ["tier": "universal", "type": "number", "min": 0, "max": 2, "default": 0.7],
                "max_tokens": ["tier": "universal", "type": "integer", "min": 1, "default": 512],
                "stop": ["tier": "universal", "type": "string_array", "max_items": 4],
                "top_p": ["tier": "common", "type": "number", "min": 0, "max": 1],
                "frequency_penalty": ["tier": "common", "type": "number", "min": -2, "max": 2],
                "presence_penalty": ["tier": "common", "type": "number", "min": -2, "max": 2],
                "seed": ["tier": "common", "type": "integer"],
                "reasoning_effort": ["tier": "common", "type": "enum", "values": ["minimal", "low", "medium", "high"]],
                "top_k": ["tier": "common", "supported": false, "reason": "OpenAI does not accept top_k"],
            ],
            "model_rules": [
                ["pattern": "^(o1|o3|o4|gpt-5)", "lock": ["temperature": 1], "rename": ["max_tokens": "max_completion_tokens"],
                 "drop": ["top_p", "frequency_penalty", "presence_penalty"],
                 "reason": "reasoning models fix temperature and take max_completion_tokens"],
            ],
            "models": [
                ["id": "gpt-4o", "context_window": 128000, "max_output": 16384, "price_in": 2.5, "price_out": 10.0],
                ["id": "gpt-4o-mini", "context_window": 128000, "max_output": 16384, "price_in": 0.15, "price_out": 0.6],
                ["id": "gpt-4.1", "context_window": 1047576, "max_output": 32768, "price_in": 2.0, "price_out": 8.0],
                ["id": "gpt-4.1-mini", "context_window": 1047576, "max_output": 32768, "price_in": 0.4, "price_out": 1.6],
                ["id": "o4-mini", "context_window": 200000, "max_output": 100000, "price_in": 1.1, "price_out": 4.4],
            ],
        ])
}
