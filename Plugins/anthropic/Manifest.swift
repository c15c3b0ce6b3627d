import PluginKit

extension AnthropicProvider {
    static let manifest = PluginManifest(
        id: "anthropic",
        name: "Anthropic Messages",
        version: "0.1.0",
        description: "Anthropic /v1/messages, streaming, thinking and tool use.",
        provider: [
            "api": "anthropic-messages",
            "auth": ["style": "header", "header": "x-api-key"],
            "default_base_url": "https://api.anthropic.com/v1",
            "key_env": "ANTHROPIC_API_KEY",
            "presets": [["id": "anthropic", "name": "Anthropic", "base_url": "https://api.anthropic.com/v1", "key_env": "ANTHROPIC_API_KEY"]],
            "params": [
                "temperature": ["tier": "universal", "type": "number", "min": 0, "max": 1, "default": 0.7],
                "max_tokens": ["tier": "universal", "type": "integer", "min": 1, "required": true, "default": 1024],
                "stop": ["tier": "universal", "type": "string_array", "max_items": 8],
                "top_p": ["tier": "common", "type": "number", "min": 0, "max": 1,
                          "dropped_when": "temperature", "reason": "Anthropic takes temperature or top_p, not both"],
                "top_k": ["tier": "common", "type": "integer", "min": 1, "max": 500],
                "frequency_penalty": ["tier": "common", "supported": false, "reason": "Anthropic has no frequency penalty"],
                "presence_penalty": ["tier": "common", "supported": false, "reason": "Anthropic has no presence penalty"],
                "seed": ["tier": "common", "supported": false, "reason": "Anthropic has no seed"],
            ],
            "models": [
                ["id": "claude-sonnet-4-5", "context_window": 200000, "max_output": 64000, "price_in": 3.0, "price_out": 15.0],
                ["id": "claude-haiku-4-5", "context_window": 200000, "max_output": 64000, "price_in": 1.0, "price_out": 5.0],
                ["id": "claude-opus-4-1", "context_window": 200000, "max_output": 32000, "price_in": 15.0, "price_out": 75.0],
            ],
        ])
}
