import PluginKit

// Azure OpenAI's auth, API version and parameter rules (docs/configuration.md): those of
// OpenAI's models, since Azure serves the same ones; `api_version` is an endpoint setting.

extension AzureOpenAIProvider {
    static let manifest = PluginManifest(
        id: "azure-openai",
        name: "Azure OpenAI",
        version: "0.1.0",
        description: "Azure OpenAI chat completions: deployment URLs with api-version, or the v1 API; api-key or Entra ID bearer; content-filter results.",
        provider: [
            "api": "azure-openai",
            // An API key in `api-key`; an Entra ID access token (a JWT) as `Authorization: Bearer`.
            "auth": ["style": "header", "header": "api-key", "jwt_style": "bearer"],
            "default_base_url": "https://example-resource.openai.azure.com",
            "key_env": "AZURE_OPENAI_API_KEY",
            "presets": [
                ["id": "azure-openai", "name": "Azure OpenAI (deployments)", "base_url": "https://YOUR-RESOURCE.openai.azure.com",
                 "key_env": "AZURE_OPENAI_API_KEY"],
                ["id": "azure-openai-v1", "name": "Azure OpenAI (v1 API)", "base_url": "https://YOUR-RESOURCE.openai.azure.com/openai/v1",
                 "key_env": "AZURE_OPENAI_API_KEY"],
            ],
            "params": [
                "api_version": ["tier": "common", "type": "any", "default": .string(AzureOpenAIProvider.defaultAPIVersion),
                                "description": "the api-version query of deployment URLs (an endpoint setting, not sent in the body)"],
                "temperature": ["tier": "universal", "type": "number", "min": 0, "max": 2, "default": 0.7],
                "max_tokens": ["tier": "universal", "type": "integer", "min": 1, "default": 512],
                "stop": ["tier": "universal", "type": "string_array", "max_items": 4],
                "top_p": ["tier": "common", "type": "number", "min": 0, "max": 1],
                "frequency_penalty": ["tier": "common", "type": "number", "min": -2, "max": 2],
                "presence_penalty": ["tier": "common", "type": "number", "min": -2, "max": 2],
                "seed": ["tier": "common", "type": "integer"],
                "reasoning_effort": ["tier": "common", "type": "enum", "values": ["minimal", "low", "medium", "high"]],
                "top_k": ["tier": "common", "supported": false, "reason": "Azure OpenAI does not accept top_k"],
            ],
            "model_rules": [
                ["pattern": "^(o1|o3|o4|gpt-5)", "lock": ["temperature": 1], "rename": ["max_tokens": "max_completion_tokens"],
                 "drop": ["top_p", "frequency_penalty", "presence_penalty"],
                 "reason": "reasoning models fix temperature and take max_completion_tokens"],
            ],
            // What `studio plugins verify` decodes: Azure's first chunk (no choices, the
            // prompt's filter results), content chunks with their filter results, usage.
            "conformance": [
                "sample_stream": .string(
                    #"data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}}}]}"# + "\n\n"
                    + #"data: {"choices":[{"content_filter_results":{},"delta":{"content":"","role":"assistant"},"finish_reason":null,"index":0}],"created":1,"id":"c1","model":"gpt-4o","object":"chat.completion.chunk"}"# + "\n\n"
                    + #"data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}},"delta":{"content":"Hello"},"finish_reason":null,"index":0}],"created":1,"id":"c1","model":"gpt-4o","object":"chat.completion.chunk"}"# + "\n\n"
                    + #"data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}},"delta":{"content":", wörld!"},"finish_reason":null,"index":0}],"created":1,"id":"c1","model":"gpt-4o","object":"chat.completion.chunk"}"# + "\n\n"
                    + #"data: {"choices":[{"content_filter_results":{},"delta":{},"finish_reason":"stop","index":0}],"created":1,"id":"c1","model":"gpt-4o","object":"chat.completion.chunk","usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}"# + "\n\n"
                    + "data: [DONE]\n\n"),
                "expected_text": "Hello, wörld!",
            ],
            "models": [
                ["id": "gpt-4o", "context_window": 128000, "max_output": 16384, "price_in": 2.5, "price_out": 10.0],
                ["id": "gpt-4o-mini", "context_window": 128000, "max_output": 16384, "price_in": 0.15, "price_out": 0.6],
                ["id": "gpt-4.1", "context_window": 1047576, "max_output": 32768, "price_in": 2.0, "price_out": 8.0],
            ],
        ])
}
