import PluginKit

// Cohere's endpoint, key and parameter rules (docs/configuration.md): temperature up to 1,
// top_p (sent as p) within 0.01–0.99, top_k (k) up to 500, penalties within 0–1.

extension CohereProvider {
    static let manifest = PluginManifest(
        id: "cohere",
        name: "Cohere (v2 chat)",
        version: "0.1.0",
        description: "Cohere /v2/chat: named streaming events, tool plans and tool calls, billed and real token counts.",
        provider: [
            "api": "cohere-chat",
            "auth": ["style": "bearer"],
            "default_base_url": "https://api.cohere.com",
            "key_env": "COHERE_API_KEY",
            "presets": [["id": "cohere", "name": "Cohere", "base_url": "https://api.cohere.com", "key_env": "COHERE_API_KEY"]],
            "params": [
                "temperature": ["tier": "universal", "type": "number", "min": 0, "max": 1, "default": 0.3],
                "max_tokens": ["tier": "universal", "type": "integer", "min": 1, "default": 512],
                "stop": ["tier": "universal", "type": "string_array", "max_items": 5],
                "top_p": ["tier": "common", "type": "number", "min": 0.01, "max": 0.99],
                "top_k": ["tier": "common", "type": "integer", "min": 0, "max": 500],
                "seed": ["tier": "common", "type": "integer"],
                "frequency_penalty": ["tier": "common", "type": "number", "min": 0, "max": 1],
                "presence_penalty": ["tier": "common", "type": "number", "min": 0, "max": 1],
                "reasoning_effort": ["tier": "common", "supported": false, "reason": "Cohere takes a thinking token budget instead"],
            ],
            // What `studio plugins verify` decodes: a text answer's events.
            "conformance": [
                "sample_stream": .string(
                    "event: message-start\ndata: {\"id\":\"1\",\"type\":\"message-start\",\"delta\":{\"message\":{\"role\":\"assistant\",\"content\":[],\"tool_plan\":\"\",\"tool_calls\":[],\"citations\":[]}}}\n\n"
                    + "event: content-start\ndata: {\"type\":\"content-start\",\"index\":0,\"delta\":{\"message\":{\"content\":{\"type\":\"text\",\"text\":\"\"}}}}\n\n"
                    + "event: content-delta\ndata: {\"type\":\"content-delta\",\"index\":0,\"delta\":{\"message\":{\"content\":{\"text\":\"Hello\"}}}}\n\n"
                    + "event: content-delta\ndata: {\"type\":\"content-delta\",\"index\":0,\"delta\":{\"message\":{\"content\":{\"text\":\", wörld!\"}}}}\n\n"
                    + "event: content-end\ndata: {\"type\":\"content-end\",\"index\":0}\n\n"
                    + "event: message-end\ndata: {\"type\":\"message-end\",\"delta\":{\"finish_reason\":\"COMPLETE\",\"usage\":{\"billed_units\":{\"input_tokens\":5,\"output_tokens\":3},\"tokens\":{\"input_tokens\":71,\"output_tokens\":3}}}}\n\n"),
                "expected_text": "Hello, wörld!",
            ],
            "models": [
                ["id": "command-a-03-2025", "context_window": 256000, "max_output": 8000, "price_in": 2.5, "price_out": 10.0],
                ["id": "command-r-plus-08-2024", "context_window": 128000, "max_output": 4000, "price_in": 2.5, "price_out": 10.0],
                ["id": "command-r-08-2024", "context_window": 128000, "max_output": 4000, "price_in": 0.15, "price_out": 0.6],
                ["id": "command-r7b-12-2024", "context_window": 128000, "max_output": 4000, "price_in": 0.0375, "price_out": 0.15],
            ],
        ])
}
