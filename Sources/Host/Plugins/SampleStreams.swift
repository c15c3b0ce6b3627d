/// Reference streams per API family, used when a provider's manifest brings none.
public enum SampleStreams {
    static let expectedText = "Hello, wörld!"

    public static let byAPI: [String: String] = [
        "openai-chat": """
            data: {"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}

            : keep-alive

            data: {"id":"c1","choices":[{"index":0,"delta":{"content":"Hello"}}]}

            data: {"id":"c1","choices":[{"index":0,"delta":{"content":", wörld"}}]}

            data: {"id":"c1","choices":[{"index":0,"delta":{"content":"!"},"finish_reason":"stop"}]}

            data: {"id":"c1","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3}}

            data: [DONE]


            """,
        "anthropic-messages": """
            event: message_start
            data: {"type":"message_start","message":{"id":"m1","type":"message","role":"assistant","content":[],"usage":{"input_tokens":5,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: ping
            data: {"type":"ping"}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", wörld!"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}}

            event: message_stop
            data: {"type":"message_stop"}


            """,
        "gemini": """
            data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hello"}]},"index":0}]}

            data: {"candidates":[{"content":{"role":"model","parts":[{"text":", wörld!"}]},"index":0,"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":3}}


            """,
    ]
}
