import PluginKit

// Bedrock's endpoint, credentials and parameter rules (docs/configuration.md). The key is
// a Bedrock API key (sent as a bearer) or AWS credentials "ACCESS_KEY_ID:SECRET_ACCESS_KEY"
// with ":SESSION_TOKEN" for temporary ones (the host signs with SigV4, service bedrock,
// the region from the endpoint's host name). Parameters Converse does not name (top_k,
// thinking, …) go to the model as additionalModelRequestFields.

extension BedrockProvider {
    static let manifest = PluginManifest(
        id: "bedrock",
        name: "AWS Bedrock (Converse)",
        version: "0.1.0",
        description: "AWS Bedrock ConverseStream: the binary event stream with checksums, SigV4 or Bedrock API keys, tool use, reasoning, exceptions.",
        provider: [
            "api": "bedrock-converse",
            "auth": ["style": "aws-sigv4", "service": "bedrock"],
            "default_base_url": "https://bedrock-runtime.us-east-1.amazonaws.com",
            "key_env": "AWS_BEARER_TOKEN_BEDROCK",
            "presets": [
                ["id": "bedrock-us-east-1", "name": "AWS Bedrock (us-east-1)", "base_url": "https://bedrock-runtime.us-east-1.amazonaws.com",
                 "key_env": "AWS_BEARER_TOKEN_BEDROCK"],
                ["id": "bedrock-us-west-2", "name": "AWS Bedrock (us-west-2)", "base_url": "https://bedrock-runtime.us-west-2.amazonaws.com",
                 "key_env": "AWS_BEARER_TOKEN_BEDROCK"],
                ["id": "bedrock-eu-central-1", "name": "AWS Bedrock (eu-central-1)", "base_url": "https://bedrock-runtime.eu-central-1.amazonaws.com",
                 "key_env": "AWS_BEARER_TOKEN_BEDROCK"],
            ],
            "params": [
                "temperature": ["tier": "universal", "type": "number", "min": 0, "max": 1, "default": 0.7],
                "max_tokens": ["tier": "universal", "type": "integer", "min": 1, "default": 512],
                "stop": ["tier": "universal", "type": "string_array", "max_items": 4],
                "top_p": ["tier": "common", "type": "number", "min": 0, "max": 1],
                "top_k": ["tier": "common", "type": "integer", "min": 1, "max": 500],
                "seed": ["tier": "common", "supported": false, "reason": "Converse has no seed"],
            ],
            // What `studio plugins verify` decodes (binary, so as base64): a text answer's
            // messages, with Bedrock's "p" padding field.
            "conformance": [
                "sample_stream_base64": "AAAAgQAAAFJswXaTCzpldmVudC10eXBlBwAMbWVzc2FnZVN0YXJ0DTpjb250ZW50LXR5cGUHABBhcHBsaWNhdGlvbi9qc29uDTptZXNzYWdlLXR5cGUHAAVldmVudHsicm9sZSI6ImFzc2lzdGFudCIsInAiOiJhYmNkIn2RcFkrAAAAoAAAAFfgCoSoCzpldmVudC10eXBlBwARY29udGVudEJsb2NrRGVsdGENOmNvbnRlbnQtdHlwZQcAEGFwcGxpY2F0aW9uL2pzb24NOm1lc3NhZ2UtdHlwZQcABWV2ZW50eyJjb250ZW50QmxvY2tJbmRleCI6MCwiZGVsdGEiOnsidGV4dCI6IkhlbGxvIn0sInAiOiJhYiJ99cEu2AAAAKoAAABXqrqcCQs6ZXZlbnQtdHlwZQcAEWNvbnRlbnRCbG9ja0RlbHRhDTpjb250ZW50LXR5cGUHABBhcHBsaWNhdGlvbi9qc29uDTptZXNzYWdlLXR5cGUHAAVldmVudHsiY29udGVudEJsb2NrSW5kZXgiOjAsImRlbHRhIjp7InRleHQiOiIsIHfDtnJsZCEifSwicCI6ImFiY2RlZmdoIn03nIjeAAAAhwAAAFbk7EcqCzpldmVudC10eXBlBwAQY29udGVudEJsb2NrU3RvcA06Y29udGVudC10eXBlBwAQYXBwbGljYXRpb24vanNvbg06bWVzc2FnZS10eXBlBwAFZXZlbnR7ImNvbnRlbnRCbG9ja0luZGV4IjowLCJwIjoiYWJjIn3Lqeu3AAAAhwAAAFF6iNKJCzpldmVudC10eXBlBwALbWVzc2FnZVN0b3ANOmNvbnRlbnQtdHlwZQcAEGFwcGxpY2F0aW9uL2pzb24NOm1lc3NhZ2UtdHlwZQcABWV2ZW50eyJzdG9wUmVhc29uIjoiZW5kX3R1cm4iLCJwIjoiYWJjZGVmIn18FKbRAAAAxwAAAE6vc4c1CzpldmVudC10eXBlBwAIbWV0YWRhdGENOmNvbnRlbnQtdHlwZQcAEGFwcGxpY2F0aW9uL2pzb24NOm1lc3NhZ2UtdHlwZQcABWV2ZW50eyJ1c2FnZSI6eyJpbnB1dFRva2VucyI6NSwib3V0cHV0VG9rZW5zIjozLCJ0b3RhbFRva2VucyI6OH0sIm1ldHJpY3MiOnsibGF0ZW5jeU1zIjoxMjB9LCJwIjoiYWJjZGVmZ2hpaiJ92O+Mzg==",
                "expected_text": "Hello, wörld!",
            ],
            "models": [
                ["id": "anthropic.claude-3-5-haiku-20241022-v1:0", "context_window": 200000, "max_output": 8192, "price_in": 0.8, "price_out": 4.0],
                ["id": "us.anthropic.claude-sonnet-4-20250514-v1:0", "context_window": 200000, "max_output": 64000, "price_in": 3.0, "price_out": 15.0],
                ["id": "amazon.nova-lite-v1:0", "context_window": 300000, "max_output": 5120, "price_in": 0.06, "price_out": 0.24],
                ["id": "meta.llama3-1-8b-instruct-v1:0", "context_window": 128000, "max_output": 2048, "price_in": 0.22, "price_out": 0.22],
            ],
        ])
}
