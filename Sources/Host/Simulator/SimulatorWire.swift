import StudioJSON

/// Renders a response in one provider's wire format (docs/simulator.md).
enum SimulatorWire {
    /// `texts`: the answer's tokens; `calls`: tool calls instead of text, when any.
    static func plan(_ api: SimulatedRequest.API, id: String, model: String, texts: [String],
                     calls: [SimulatedToolCalls.Call], inputTokens: Int, withUsage: Bool) -> StreamPlan {
        // Tool-call arguments stream in 8-character fragments; each fragment is a token.
        let fragments: [[String]] = calls.map { call in
            stride(from: 0, to: call.arguments.count, by: 8).map { start in
                let s = call.arguments.index(call.arguments.startIndex, offsetBy: start)
                let e = call.arguments.index(s, offsetBy: min(8, call.arguments.count - start))
                return String(call.arguments[s..<e])
            }
        }
        let outputTokens = calls.isEmpty ? texts.count : fragments.reduce(calls.count) { $0 + $1.count }
        switch api {
        case .openai: return openAI(id: id, model: model, texts: texts, calls: calls, fragments: fragments,
                                    input: inputTokens, output: outputTokens, withUsage: withUsage)
        case .anthropic: return anthropic(id: id, model: model, texts: texts, calls: calls, fragments: fragments,
                                          input: inputTokens, output: outputTokens, withUsage: withUsage)
        case .gemini: return gemini(texts: texts, calls: calls, input: inputTokens, output: outputTokens, withUsage: withUsage)
        case .jsonl: return jsonLines(id: id, texts: texts, input: inputTokens, output: texts.count, withUsage: withUsage)
        case .ollama: return ollama(model: model, texts: texts, calls: calls, input: inputTokens, output: outputTokens, withUsage: withUsage)
        }
    }

    // MARK: Ollama /api/chat

    /// Newline-delimited JSON: one line per token with `message.content`, tool calls
    /// whole (arguments an object) in one line each, then the `done` line with
    /// `done_reason`, `prompt_eval_count` and `eval_count` and its durations (ns).
    private static func ollama(model: String, texts: [String], calls: [SimulatedToolCalls.Call], input: Int, output: Int,
                               withUsage: Bool) -> StreamPlan {
        let createdAt = "2026-01-01T00:00:00.000000000Z"
        func line(_ message: JSONValue, done: Bool = false) -> JSONObject {
            ["model": .string(model), "created_at": .string(createdAt), "message": message, "done": .bool(done)]
        }
        let toolCalls: [JSONValue] = calls.map { call in
            ["function": ["name": .string(call.name), "arguments": (try? JSONParser.parse(call.arguments)) ?? .object([:])]]
        }
        var final = line(["role": "assistant", "content": ""], done: true)
        final["done_reason"] = "stop"
        if withUsage {
            final["total_duration"] = .int(Int64(output) * 1_000_000)
            final["prompt_eval_count"] = .int(Int64(input))
            final["eval_count"] = .int(Int64(output))
        }
        let tokens = calls.isEmpty
            ? texts.map { JSONValue.object(line(["role": "assistant", "content": .string($0)])).jsonString + "\n" }
            : toolCalls.map { JSONValue.object(line(["role": "assistant", "content": "", "tool_calls": [$0]])).jsonString + "\n" }
        var whole = final
        whole["message"] = calls.isEmpty ? ["role": "assistant", "content": .string(texts.joined())]
            : ["role": "assistant", "content": "", "tool_calls": .array(toolCalls)]
        return StreamPlan(preamble: [], tokens: tokens, trailer: [JSONValue.object(final).jsonString + "\n"], whole: .object(whole))
    }

    // MARK: The templates' JSON-lines API (docs/simulator.md)

    /// One JSON object per line: a start line (not a token), one `{"token"}` line per
    /// token, then `{"done":true,...}` with usage.
    private static func jsonLines(id: String, texts: [String], input: Int, output: Int, withUsage: Bool) -> StreamPlan {
        func line(_ value: JSONValue) -> String { value.jsonString + "\n" }
        var done: JSONObject = ["done": true, "finish": "stop"]
        if withUsage { done["usage"] = ["input_tokens": .int(Int64(input)), "output_tokens": .int(Int64(output))] }
        var whole: JSONObject = ["id": .string(id), "text": .string(texts.joined()), "finish": "stop"]
        if withUsage { whole["usage"] = done["usage"] }
        return StreamPlan(preamble: [line(["event": "start", "id": .string(id)])], tokens: texts.map { line(["token": .string($0)]) },
                          trailer: [line(.object(done))], whole: .object(whole))
    }

    static func sse(_ value: JSONValue) -> String { "data: \(value.jsonString)\n\n" }
    static func sse(event: String, _ value: JSONValue) -> String { "event: \(event)\ndata: \(value.jsonString)\n\n" }

    // MARK: OpenAI chat completions

    private static func openAI(id: String, model: String, texts: [String], calls: [SimulatedToolCalls.Call],
                               fragments: [[String]], input: Int, output: Int, withUsage: Bool) -> StreamPlan {
        // Every chunk shares its envelope: written once per request, each chunk adds its
        // delta (the simulator serializes a chunk per token, so this is its hot path).
        let envelope = #"data: {"id":\#(JSONValue.string(id).jsonString),"object":"chat.completion.chunk","created":1700000000,"#
            + #""model":\#(JSONValue.string(model).jsonString),"choices":[{"index":0,"delta":"#
        func chunk(_ delta: JSONValue, finish: String? = nil) -> String {
            envelope + delta.jsonString + #","finish_reason":\#(JSONValue(finish).jsonString)}]}"# + "\n\n"
        }
        var tokens: [String] = []
        if calls.isEmpty {
            tokens = texts.map { chunk(["content": .string($0)]) }
        } else {
            for (i, call) in calls.enumerated() {
                tokens.append(chunk(["tool_calls": [["index": .int(Int64(i)), "id": .string("call_\(id.prefix(8))_\(i)"), "type": "function",
                                                     "function": ["name": .string(call.name), "arguments": ""]]]]))
                for piece in fragments[i] {
                    tokens.append(chunk(["tool_calls": [["index": .int(Int64(i)), "function": ["arguments": .string(piece)]]]]))
                }
            }
        }
        let finish = calls.isEmpty ? "stop" : "tool_calls"
        var trailer = [chunk([:], finish: finish)]
        let usage: JSONValue = ["prompt_tokens": .int(Int64(input)), "completion_tokens": .int(Int64(output)),
                                "total_tokens": .int(Int64(input + output))]
        if withUsage {
            trailer.append(sse(["id": .string(id), "object": "chat.completion.chunk", "created": 1_700_000_000,
                                "model": .string(model), "choices": [], "usage": usage]))
        }
        trailer.append("data: [DONE]\n\n")
        var message: JSONObject = ["role": "assistant", "content": calls.isEmpty ? .string(texts.joined()) : .null]
        if !calls.isEmpty {
            message["tool_calls"] = .array(calls.enumerated().map { i, call in
                ["id": .string("call_\(id.prefix(8))_\(i)"), "type": "function",
                 "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
            })
        }
        var whole: JSONObject = ["id": .string(id), "object": "chat.completion", "created": 1_700_000_000, "model": .string(model),
                                 "choices": [["index": 0, "message": .object(message), "finish_reason": .string(finish)]]]
        if withUsage { whole["usage"] = usage }
        // The role-only chunk and a keep-alive comment come first: neither is a token.
        return StreamPlan(preamble: [chunk(["role": "assistant", "content": ""]), ": keep-alive\n\n"],
                          tokens: tokens, trailer: trailer, whole: .object(whole))
    }

    // MARK: Anthropic messages

    private static func anthropic(id: String, model: String, texts: [String], calls: [SimulatedToolCalls.Call],
                                  fragments: [[String]], input: Int, output: Int, withUsage: Bool) -> StreamPlan {
        let messageID = "msg_\(id.prefix(12))"
        var preamble = [sse(event: "message_start", ["type": "message_start", "message": [
            "id": .string(messageID), "type": "message", "role": "assistant", "model": .string(model), "content": [],
            "stop_reason": .null, "usage": withUsage ? ["input_tokens": .int(Int64(input)), "output_tokens": 1] : .null]])]
        var tokens: [String] = []
        var trailer: [String] = []
        var content: [JSONValue] = []
        if calls.isEmpty {
            preamble.append(sse(event: "content_block_start", ["type": "content_block_start", "index": 0,
                                                               "content_block": ["type": "text", "text": ""]]))
            preamble.append(sse(event: "ping", ["type": "ping"]))
            tokens = texts.map { sse(event: "content_block_delta", ["type": "content_block_delta", "index": 0,
                                                                    "delta": ["type": "text_delta", "text": .string($0)]]) }
            trailer.append(sse(event: "content_block_stop", ["type": "content_block_stop", "index": 0]))
            content = [["type": "text", "text": .string(texts.joined())]]
        } else {
            for (i, call) in calls.enumerated() {
                let toolID = "toolu_\(id.prefix(8))_\(i)"
                tokens.append(sse(event: "content_block_start", ["type": "content_block_start", "index": .int(Int64(i)),
                                                                 "content_block": ["type": "tool_use", "id": .string(toolID),
                                                                                   "name": .string(call.name), "input": [:]]]))
                for piece in fragments[i] {
                    tokens.append(sse(event: "content_block_delta", ["type": "content_block_delta", "index": .int(Int64(i)),
                                                                     "delta": ["type": "input_json_delta", "partial_json": .string(piece)]]))
                }
                tokens.append(sse(event: "content_block_stop", ["type": "content_block_stop", "index": .int(Int64(i))]))
                content.append(["type": "tool_use", "id": .string(toolID), "name": .string(call.name),
                                "input": (try? JSONParser.parse(call.arguments)) ?? .object([:])])
            }
        }
        let stop = calls.isEmpty ? "end_turn" : "tool_use"
        trailer.append(sse(event: "message_delta", ["type": "message_delta", "delta": ["stop_reason": .string(stop), "stop_sequence": .null],
                                                    "usage": withUsage ? ["output_tokens": .int(Int64(output))] : .null]))
        trailer.append(sse(event: "message_stop", ["type": "message_stop"]))
        var whole: JSONObject = ["id": .string(messageID), "type": "message", "role": "assistant", "model": .string(model),
                                 "content": .array(content), "stop_reason": .string(stop), "stop_sequence": .null]
        if withUsage { whole["usage"] = ["input_tokens": .int(Int64(input)), "output_tokens": .int(Int64(output))] }
        return StreamPlan(preamble: preamble, tokens: tokens, trailer: trailer, whole: .object(whole))
    }

    // MARK: Gemini generateContent

    private static func gemini(texts: [String], calls: [SimulatedToolCalls.Call], input: Int, output: Int,
                               withUsage: Bool) -> StreamPlan {
        let usage: JSONValue = ["promptTokenCount": .int(Int64(input)), "candidatesTokenCount": .int(Int64(output)),
                                "totalTokenCount": .int(Int64(input + output))]
        func response(_ parts: [JSONValue], finish: Bool) -> JSONValue {
            var candidate: JSONObject = ["content": ["role": "model", "parts": .array(parts)], "index": 0]
            if finish { candidate["finishReason"] = "STOP" }
            var r: JSONObject = ["candidates": [.object(candidate)], "modelVersion": "sim"]
            if finish && withUsage { r["usageMetadata"] = usage }
            return .object(r)
        }
        let callParts: [JSONValue] = calls.map { call in
            ["functionCall": ["name": .string(call.name), "args": (try? JSONParser.parse(call.arguments)) ?? .object([:])]]
        }
        var tokens: [String]
        if calls.isEmpty {
            tokens = texts.enumerated().map { i, t in sse(response([["text": .string(t)]], finish: i == texts.count - 1)) }
        } else {
            // Gemini sends function calls whole, one event each.
            tokens = callParts.enumerated().map { i, part in sse(response([part], finish: i == callParts.count - 1)) }
        }
        let whole = response(calls.isEmpty ? [["text": .string(texts.joined())]] : callParts, finish: true)
        return StreamPlan(preamble: [], tokens: tokens, trailer: [], whole: whole)
    }

    /// An error body in the API's own shape.
    static func errorBody(_ api: SimulatedRequest.API, status: Int, message: String) -> JSONValue {
        switch api {
        case .openai:
            return ["error": ["message": .string(message), "type": status == 429 ? "rate_limit_error" : "api_error",
                              "code": .string(String(status))]]
        case .anthropic:
            let type = status == 429 ? "rate_limit_error" : status == 401 ? "authentication_error" : "api_error"
            return ["type": "error", "error": ["type": .string(type), "message": .string(message)]]
        case .jsonl:
            return ["error": .string(message), "status": .int(Int64(status))]
        case .ollama:
            return ["error": .string(message)]
        case .gemini:
            let state = status == 429 ? "RESOURCE_EXHAUSTED" : status == 401 ? "UNAUTHENTICATED" : "INTERNAL"
            return ["error": ["code": .int(Int64(status)), "message": .string(message), "status": .string(state)]]
        }
    }
}
