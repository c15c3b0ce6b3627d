import PluginKit

// Ollama's native API (docs/wire-formats.md, "Ollama native"): no key by default (a local
// server), a bearer key when one is configured (a hosted or proxied Ollama). Parameter
// rules: Ollama takes top_k and repeat_penalty, which OpenAI refuses.

extension OllamaProvider {
    static let manifest = PluginManifest(
        id: "ollama",
        name: "Ollama (native API)",
        version: "0.1.0",
        description: "Ollama /api/chat: newline-delimited JSON streaming, thinking, tool calls, the done line's token counts; /api/tags for models.",
        provider: [
            "api": "ollama",
            "auth": ["style": "bearer"],
            "default_base_url": "http://127.0.0.1:11434",
            "key_env": "OLLAMA_API_KEY",
            "presets": [["id": "ollama-native", "name": "Ollama (local, native API)", "base_url": "http://127.0.0.1:11434", "local": true]],
            "params": [
                "temperature": ["tier": "universal", "type": "number", "min": 0, "max": 2, "default": 0.7],
                "max_tokens": ["tier": "universal", "type": "integer", "min": 1, "default": 512],
                "stop": ["tier": "universal", "type": "string_array", "max_items": 16],
                "top_p": ["tier": "common", "type": "number", "min": 0, "max": 1],
                "top_k": ["tier": "common", "type": "integer", "min": 1, "max": 1000],
                "seed": ["tier": "common", "type": "integer"],
                "frequency_penalty": ["tier": "common", "type": "number", "min": -2, "max": 2],
                "presence_penalty": ["tier": "common", "type": "number", "min": -2, "max": 2],
                "repeat_penalty": ["tier": "common", "type": "number", "min": 0, "max": 2],
                "num_ctx": ["tier": "common", "type": "integer", "min": 1],
                "reasoning_effort": ["tier": "common", "type": "enum", "values": ["low", "medium", "high"]],
            ],
            // What `studio plugins verify` decodes (the host ships samples only for the
            // formats it knew first): a first empty line, text split inside "ö", the done line.
            "conformance": [
                "sample_stream": .string(#"{"model":"m","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done":false}"# + "\n"
                    + #"{"model":"m","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"Hello"},"done":false}"# + "\n"
                    + #"{"model":"m","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":", wörld!"},"done":false}"# + "\n"
                    + #"{"model":"m","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":5,"eval_count":3}"# + "\n"),
                "expected_text": "Hello, wörld!",
            ],
            "models": [
                ["id": "llama3.2", "context_window": 131072, "price_in": 0, "price_out": 0],
                ["id": "qwen3", "context_window": 40960, "price_in": 0, "price_out": 0],
            ],
        ])
}
