import PluginKit

extension GeminiProvider {
    static let manifest = PluginManifest(
        id: "gemini",
        name: "Google Gemini",
        version: "0.1.0",
        description: "Gemini generateContent and streamGenerateContent (SSE), thinking and function calling.",
        provider: [
            "api": "gemini",
            "auth": ["style": "header", "header": "x-goog-api-key"],
            "default_base_url": "https://generativelanguage.googleapis.com/v1beta",
            "key_env": "GEMINI_API_KEY",
            "presets": [["id": "gemini", "name": "Google AI Studio", "base_url": "https://generativelanguage.googleapis.com/v1beta",
                         "key_env": "GEMINI_API_KEY"]],
            "params": [
                "temperature": ["tier": "universal", "type": "number", "min": 0, "max": 2, "default": 0.7],
                "max_tokens": ["tier": "universal", "type": "integer", "min": 1, "default": 512],
                "stop": ["tier": "universal", "type": "string_array", "max_items": 5],
                "top_p": ["tier": "common", "type": "number", "min": 0, "max": 1],
                "top_k": ["tier": "common", "type": "integer", "min": 1, "max": 100],
                "frequency_penalty": ["tier": "common", "type": "number", "min": -2, "max": 2],
                "presence_penalty": ["tier": "common", "type": "number", "min": -2, "max": 2],
                "seed": ["tier": "common", "type": "integer"],
                "reasoning_effort": ["tier": "common", "type": "enum", "values": ["minimal", "low", "medium", "high"]],
            ],
            "models": [
                ["id": "gemini-2.5-flash", "context_window": 1048576, "max_output": 65536, "price_in": 0.3, "price_out": 2.5],
                ["id": "gemini-2.5-pro", "context_window": 1048576, "max_output": 65536, "price_in": 1.25, "price_out": 10.0],
                ["id": "gemini-2.5-flash-lite", "context_window": 1048576, "max_output": 65536, "price_in": 0.1, "price_out": 0.4],
            ],
        ])
}
