import PluginKit

// Vertex AI's endpoints, credentials and parameter rules (those of Gemini). The key is a
// service account's JSON key (the whole file's text), which the host exchanges for an
// access token with the cloud-platform scope; or an access token itself (`ya29.…`, e.g.
// from `gcloud auth print-access-token`), sent as it is.

extension VertexProvider {
    static let manifest = PluginManifest(
        id: "vertex",
        name: "Google Vertex AI (Gemini)",
        version: "0.1.0",
        description: "Gemini on Vertex AI: regional and global endpoints, service-account credentials exchanged for OAuth2 tokens by the host.",
        provider: [
            "api": "vertex-gemini",
            "auth": ["style": "oauth2-service-account", "scope": "https://www.googleapis.com/auth/cloud-platform"],
            "default_base_url": "https://us-central1-aiplatform.googleapis.com/v1/projects/YOUR-PROJECT/locations/us-central1",
            "key_env": "VERTEX_SERVICE_ACCOUNT_JSON",
            "presets": [
                ["id": "vertex-us-central1", "name": "Vertex AI (us-central1)",
                 "base_url": "https://us-central1-aiplatform.googleapis.com/v1/projects/YOUR-PROJECT/locations/us-central1",
                 "key_env": "VERTEX_SERVICE_ACCOUNT_JSON"],
                ["id": "vertex-global", "name": "Vertex AI (global endpoint)",
                 "base_url": "https://aiplatform.googleapis.com/v1/projects/YOUR-PROJECT/locations/global",
                 "key_env": "VERTEX_SERVICE_ACCOUNT_JSON"],
                ["id": "vertex-europe-west4", "name": "Vertex AI (europe-west4)",
                 "base_url": "https://europe-west4-aiplatform.googleapis.com/v1/projects/YOUR-PROJECT/locations/europe-west4",
                 "key_env": "VERTEX_SERVICE_ACCOUNT_JSON"],
            ],
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
            // What `studio plugins verify` decodes: Vertex's SSE, one whole response per event.
            "conformance": [
                "sample_stream": .string(
                    #"data: {"candidates": [{"content": {"role": "model","parts": [{"text": "Hello"}]}}],"usageMetadata": {"trafficType": "ON_DEMAND"},"modelVersion": "gemini-2.5-flash","createTime": "2026-01-01T00:00:00.000000Z","responseId": "r1"}"# + "\r\n\r\n"
                    + #"data: {"candidates": [{"content": {"role": "model","parts": [{"text": ", wörld!"}]},"finishReason": "STOP"}],"usageMetadata": {"promptTokenCount": 5,"candidatesTokenCount": 3,"totalTokenCount": 8,"trafficType": "ON_DEMAND"},"modelVersion": "gemini-2.5-flash","createTime": "2026-01-01T00:00:00.000000Z","responseId": "r1"}"# + "\r\n\r\n"),
                "expected_text": "Hello, wörld!",
            ],
            "models": [
                ["id": "gemini-2.5-flash", "context_window": 1048576, "max_output": 65536, "price_in": 0.3, "price_out": 2.5],
                ["id": "gemini-2.5-pro", "context_window": 1048576, "max_output": 65536, "price_in": 1.25, "price_out": 10.0],
                ["id": "gemini-2.5-flash-lite", "context_window": 1048576, "max_output": 65536, "price_in": 0.1, "price_out": 0.4],
            ],
        ])
}
