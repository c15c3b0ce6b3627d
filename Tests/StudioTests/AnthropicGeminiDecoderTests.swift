import Foundation
import HostPlugins
import StudioJSON
import Testing

/// Recorded-stream fixtures for the anthropic and gemini providers, through the C ABI.
@Suite struct AnthropicGeminiDecoderTests {
    static func provider(_ name: String) -> ProviderInstance {
        let plugin = try! PluginLoader.load(path: TestSupport.buildDirectory.appendingPathComponent("libstudio_\(name).so").path)
        return try! plugin.makeProvider(config: ["base_url": "https://api.example.test/v1"])
    }
    static let anthropic = provider("anthropic")
    static let gemini = provider("gemini")
    static let request: JSONValue = ["model": "m", "messages": [["role": "user", "content": "hi"]]]

    func decode(_ provider: ProviderInstance, _ reads: [String], splitEvery: Int? = nil) throws -> [DecodedEvent] {
        let decoder = try provider.makeDecoder(for: Self.request)
        var events: [DecodedEvent] = []
        var chunks: [[UInt8]] = reads.map { Array($0.utf8) }
        if let n = splitEvery {
            let all = chunks.flatMap { $0 }
            chunks = stride(from: 0, to: all.count, by: n).map { Array(all[$0..<min(all.count, $0 + n)]) }
        }
        for chunk in chunks { try decoder.decode(chunk) { events.append($0) } }
        try decoder.finish { events.append($0) }
        return events
    }

    func sse(_ event: String, _ data: String) -> String { "event: \(event)\ndata: \(data)\n\n" }

    var anthropicStream: [String] {
        [sse("message_start", #"{"type":"message_start","message":{"usage":{"input_tokens":25,"output_tokens":1}}}"#),
         sse("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#),
         sse("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me see."}}"#),
         sse("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}}"#),
         sse("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#),
         sse("ping", #"{"type":"ping"}"#),
         sse("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Café ☕"}}"#),
         sse("content_block_start", #"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}"#),
         sse("content_block_delta", #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\": "}}"#),
         sse("content_block_delta", #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}"#),
         sse("content_block_stop", #"{"type":"content_block_stop","index":2}"#),
         sse("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":42}}"#),
         sse("message_stop", #"{"type":"message_stop"}"#)]
    }

    @Test func anthropicThinkingTextAndToolUse() throws {
        let expected: [DecodedEvent] = [
            .usage(input: 25, output: nil, reasoning: nil, cachedInput: nil),
            .reasoning("Let me see."),
            .text("Café ☕"),
            .toolCall(index: 2, id: "toolu_1", name: "get_weather", arguments: ""),
            .toolCall(index: 2, id: "", name: "", arguments: "{\"city\": "),
            .toolCall(index: 2, id: "", name: "", arguments: "\"Paris\"}"),
            .finish(reason: "tool_calls", raw: "tool_use"),
            .usage(input: nil, output: 42, reasoning: nil, cachedInput: nil),
            .end,
        ]
        #expect(try decode(Self.anthropic, anthropicStream) == expected)
        // The same bytes cut every 7 bytes (inside events and inside "é" and "☕") decode the same.
        #expect(try decode(Self.anthropic, anthropicStream, splitEvery: 7) == expected)
        // And all in one read.
        #expect(try decode(Self.anthropic, [anthropicStream.joined()]) == expected)
    }

    @Test func anthropicErrorEventAndErrorBodies() throws {
        let events = try decode(Self.anthropic, [sse("error", #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#)])
        #expect(events == [.error(message: "Overloaded", code: "overloaded_error")])
        let body = Array(#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#.utf8)
        #expect(try Self.anthropic.classifyError(status: 429, body: body)["class"] == "rate_limited")
        #expect(try Self.anthropic.classifyError(status: 401, body: [])["class"] == "auth_failed")
        #expect(try Self.anthropic.classifyError(status: 529, body: [])["class"] == "http_529")
    }

    @Test func anthropicRequestShape() throws {
        let http = try Self.anthropic.buildRequest([
            "model": "claude-haiku-4-5",
            "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": "Weather?"],
                         ["role": "assistant", "content": "", "tool_calls": [["id": "t1", "function": ["name": "w", "arguments": "{\"c\":1}"]]]],
                         ["role": "tool", "tool_call_id": "t1", "content": "sunny"]],
            "params": ["temperature": 0.3, "stop": "END"],
            "tools": [["type": "function", "function": ["name": "w", "parameters": ["type": "object"]]]],
            "tool_choice": "required",
        ])
        #expect(http["url"] == "https://api.example.test/v1/messages")
        let body = try JSONParser.parse(http["body"]!.stringValue!)
        #expect(body["system"] == "Be brief.")
        #expect(body["max_tokens"] == 1024)
        #expect(body["stop_sequences"] == ["END"])
        #expect(body["tool_choice"] == ["type": "any"])
        #expect(body["tools"]?.arrayValue?.first?["input_schema"] == ["type": "object"])
        let messages = body["messages"]!.arrayValue!
        #expect(messages.count == 3)
        #expect(messages[1]["content"]?.arrayValue?.first?["input"] == ["c": 1])
        #expect(messages[2]["content"]?.arrayValue?.first?["type"] == "tool_result")
    }

    var geminiStream: [String] {
        ["data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Thinking…\",\"thought\":true}]}}]}\n\n",
         "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hola\"}]}}]}\n\n",
         "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}}},{\"functionCall\":{\"name\":\"get_time\",\"args\":{}}}]},\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":9,\"candidatesTokenCount\":12,\"thoughtsTokenCount\":4}}\n\n"]
    }

    @Test func geminiTextThoughtsParallelCallsAndUsage() throws {
        let expected: [DecodedEvent] = [
            .reasoning("Thinking…"), .text("Hola"),
            .toolCall(index: 0, id: "call_0", name: "get_weather", arguments: "{\"city\":\"Paris\"}"),
            .toolCall(index: 1, id: "call_1", name: "get_time", arguments: "{}"),
            .finish(reason: "tool_calls", raw: "STOP"),
            .usage(input: 9, output: 16, reasoning: 4, cachedInput: nil),  // thoughts are output too (docs/measurement.md)
            .end,
        ]
        #expect(try decode(Self.gemini, geminiStream) == expected)
        #expect(try decode(Self.gemini, geminiStream, splitEvery: 5) == expected)
    }

    @Test func geminiRequestShapeAndErrors() throws {
        let http = try Self.gemini.buildRequest([
            "model": "gemini-2.5-flash", "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": "Hi"]],
            "params": ["temperature": 0.1, "max_tokens": 64, "top_k": 20],
            "tools": [["type": "function", "function": ["name": "f", "parameters": ["type": "object"]]]], "tool_choice": "none",
        ])
        #expect(http["url"] == "https://api.example.test/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse")
        let body = try JSONParser.parse(http["body"]!.stringValue!)
        #expect(body["generationConfig"] == ["temperature": 0.1, "maxOutputTokens": 64, "topK": 20])
        #expect(body["systemInstruction"]?["parts"]?.arrayValue?.first?["text"] == "Be brief.")
        #expect(body["toolConfig"]?["functionCallingConfig"]?["mode"] == "NONE")
        let invalidKey = Array(#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}"#.utf8)
        #expect(try Self.gemini.classifyError(status: 400, body: invalidKey)["class"] == "auth_failed")
        #expect(try Self.gemini.classifyError(status: 429, body: [])["class"] == "rate_limited")
        #expect(throws: PluginCallError.self) { try Self.gemini.buildRequest(["model": "../etc", "messages": [["role": "user", "content": "x"]]]) }
    }

    // Three shapes the capture corpus has no public recording of, written from the public
    // reports that describe them (each fix's test):

    /// Gemini and Vertex abort a 200 stream by writing a pretty-printed JSON error outside
    /// the SSE framing (maximhq/bifrost#5262, diegosouzapw/OmniRoute#4177): the answer so
    /// far must not pass for a complete one.
    @Test func geminiErrorWrittenOutsideTheFramingFailsTheStream() throws {
        let stream = "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"the first half\"}],\"role\": \"model\"}}]}\r\n\r\n"
            + "{\n  \"error\": {\n    \"code\": 503,\n    \"message\": \"The model is overloaded. Please try again later.\",\n    \"status\": \"UNAVAILABLE\"\n  }\n}\n"
        for split in [nil, 3, 11] as [Int?] {
            let events = try decode(Self.gemini, [stream], splitEvery: split)
            #expect(events.contains(.text("the first half")))
            #expect(events.contains(.error(message: "The model is overloaded. Please try again later.", code: "UNAVAILABLE")), "split \(String(describing: split))")
        }
    }

    /// A prompt Gemini blocks streams only `promptFeedback.blockReason`: the answer ends as
    /// a content filter, with the reason, not as an empty success without a finish.
    @Test func geminiBlockedPromptEndsAsAContentFilter() throws {
        let stream = "data: {\"promptFeedback\": {\"blockReason\": \"PROHIBITED_CONTENT\"},\"usageMetadata\": {\"promptTokenCount\": 8,\"totalTokenCount\": 8}}\r\n\r\n"
        let events = try decode(Self.gemini, [stream])
        #expect(events.contains(.finish(reason: "content_filter", raw: "PROHIBITED_CONTENT")))
        let whole = try Self.gemini.parseResponse(Array(#"{"promptFeedback": {"blockReason": "SAFETY"}}"#.utf8))
        #expect(whole["finish_reason"] == "content_filter" && whole["finish_detail"] == "SAFETY")
    }

    /// An Anthropic-format stream from OpenRouter ends with `event: data` / `data: [DONE]`
    /// after message_stop, and gives the real input count in message_delta (message_start
    /// said 0): the complete answer is kept, with that count.
    @Test func anthropicProxyTrailerAndLateInputCount() throws {
        let stream = [sse("message_start", #"{"type":"message_start","message":{"usage":{"input_tokens":0,"output_tokens":0}}}"#),
                      sse("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
                      sse("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Done."}}"#),
                      sse("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":412,"output_tokens":3}}"#),
                      sse("message_stop", #"{"type":"message_stop"}"#),
                      "event: data\ndata: [DONE]\n\n"]
        let events = try decode(Self.anthropic, stream)
        #expect(events.contains(.text("Done.")))
        #expect(events.contains(.usage(input: 412, output: 3, reasoning: nil, cachedInput: nil)))
        #expect(!events.contains { if case .error = $0 { true } else { false } })
    }
}
