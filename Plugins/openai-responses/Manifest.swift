import PluginKit

// The Responses API's endpoint, key and parameter rules (docs/configuration.md). It has no
// `stop`, `seed` or penalties, and reasoning models refuse sampling parameters.

extension ResponsesProvider {
    static let manifest = PluginManifest(
        id: "openai-responses",
        name: "OpenAI Responses API",
        version: "0.1.0",
        description: "OpenAI /v1/responses: typed streaming events, function calls, reasoning summaries and reasoning token counts.",
        provider: [
            "api": "openai-responses",
            "auth": ["style": "bearer"],
            "default_base_url": "https://api.openai.com/v1",
            "key_env": "OPENAI_API_KEY",
            "presets": [["id": "openai-responses", "name": "OpenAI (Responses API)", "base_url": "https://api.openai.com/v1",
                         "key_env": "OPENAI_API_KEY"]],
            "params": [
                "temperature": ["tier": "universal", "type": "number", "min": 0, "max": 2, "default": 0.7],
                "max_tokens": ["tier": "universal", "type": "integer", "min": 16, "default": 512],
                "top_p": ["tier": "common", "type": "number", "min": 0, "max": 1],
                "reasoning_effort": ["tier": "common", "type": "enum", "values": ["minimal", "low", "medium", "high"]],
                "reasoning_summary": ["tier": "common", "type": "enum", "values": ["auto", "concise", "detailed"]],
                "stop": ["tier": "universal", "supported": false, "reason": "the Responses API has no stop sequences"],
                "seed": ["tier": "common", "supported": false, "reason": "the Responses API has no seed"],
                "top_k": ["tier": "common", "supported": false, "reason": "OpenAI does not accept top_k"],
            ],
            "model_rules": [
                ["pattern": "^(o1|o3|o4|gpt-5)", "drop": ["temperature", "top_p"],
                 "reason": "reasoning models take no sampling parameters"],
            ],
            // What `studio plugins verify` decodes: the events a text answer streams.
            "conformance": [
                "sample_stream": .string(
                    "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\"}}\n\n"
                    + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":1,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hello\"}\n\n"
                    + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":2,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\", wörld!\"}\n\n"
                    + "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":3,\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"usage\":{\"input_tokens\":5,\"output_tokens\":3,\"output_tokens_details\":{\"reasoning_tokens\":0}}}}\n\n"),
                "expected_text": "Hello, wörld!",
            ],
            "models": [
                ["id": "gpt-4.1", "context_window": 1047576, "max_output": 32768, "price_in": 2.0, "price_out": 8.0],
                ["id": "gpt-4.1-mini", "context_window": 1047576, "max_output": 32768, "price_in": 0.4, "price_out": 1.6],
                ["id": "o4-mini", "context_window": 200000, "max_output": 100000, "price_in": 1.1, "price_out": 4.4],
                ["id": "gpt-5-mini", "context_window": 400000, "max_output": 128000, "price_in": 0.25, "price_out": 2.0],
            ],
        ])
}
