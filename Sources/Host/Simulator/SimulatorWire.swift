import AWSEventStream
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
        case .responses: return responses(id: id, model: model, texts: texts, calls: calls, fragments: fragments,
                                          input: inputTokens, output: outputTokens)
        case .cohere: return cohere(id: id, texts: texts, calls: calls, fragments: fragments, input: inputTokens, output: outputTokens)
        case .bedrock: return bedrock(id: id, texts: texts, calls: calls, fragments: fragments, input: inputTokens, output: outputTokens)
        }
    }

    // MARK: AWS Bedrock ConverseStream

    /// Binary event-stream messages (AWSEventStream), each named by `:event-type` with a
    /// JSON payload: messageStart (no token); one contentBlockDelta per text token — or,
    /// for tool calls, contentBlockStart with the toolUse id and name (a token) and one
    /// contentBlockDelta per input fragment; then contentBlockStop, messageStop with the
    /// stop reason and metadata with the usage. Each payload carries Bedrock's `p` padding.
    private static func bedrock(id: String, texts: [String], calls: [SimulatedToolCalls.Call], fragments: [[String]],
                                input: Int, output: Int) -> StreamPlan {
        func frame(_ type: String, _ payload: JSONObject) -> [UInt8] {
            var payload = payload
            payload["p"] = .string(String("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123".prefix(payload.count * 7 % 40 + 2)))
            return EventStreamMessage.encode(headers: [(":event-type", type), (":content-type", "application/json"), (":message-type", "event")],
                                             payload: Array(JSONValue.object(payload).jsonString.utf8))
        }
        let usage: JSONValue = ["inputTokens": .int(Int64(input)), "outputTokens": .int(Int64(output)), "totalTokens": .int(Int64(input + output))]
        let stop = calls.isEmpty ? "end_turn" : "tool_use"
        var tokens: [[UInt8]] = []
        var content: [JSONValue] = []
        if calls.isEmpty {
            tokens = texts.map { frame("contentBlockDelta", ["contentBlockIndex": 0, "delta": ["text": .string($0)]]) }
            if !tokens.isEmpty { tokens[tokens.count - 1] += frame("contentBlockStop", ["contentBlockIndex": 0]) }
            content = [["text": .string(texts.joined())]]
        } else {
            for (i, call) in calls.enumerated() {
                let useID = "tooluse_\(id.prefix(12))_\(i)"
                tokens.append(frame("contentBlockStart", ["contentBlockIndex": .int(Int64(i)),
                                                          "start": ["toolUse": ["toolUseId": .string(useID), "name": .string(call.name)]]]))
                tokens += fragments[i].map { frame("contentBlockDelta", ["contentBlockIndex": .int(Int64(i)), "delta": ["toolUse": ["input": .string($0)]]]) }
                tokens[tokens.count - 1] += frame("contentBlockStop", ["contentBlockIndex": .int(Int64(i))])  // no token: with the last one
                content.append(["toolUse": ["toolUseId": .string(useID), "name": .string(call.name),
                                            "input": (try? JSONParser.parse(call.arguments)) ?? .object([:])]])
            }
        }
        let trailer = [frame("messageStop", ["stopReason": .string(stop)]),
                       frame("metadata", ["usage": usage, "metrics": ["latencyMs": .int(Int64(output))]])]
        return StreamPlan(frames: [frame("messageStart", ["role": "assistant"])], tokens: tokens, trailer: trailer,
                          whole: ["output": ["message": ["role": "assistant", "content": .array(content)]], "stopReason": .string(stop),
                                  "usage": usage, "metrics": ["latencyMs": .int(Int64(output))]])
    }

    // MARK: OpenAI Responses

    /// Typed events, each with its `sequence_number`: created and in_progress, the message
    /// item and its text part opened (not tokens); one `response.output_text.delta` per
    /// token — or, for tool calls, the function_call item added (its first token, carrying
    /// the name) and one `response.function_call_arguments.delta` per fragment; then the
    /// closing events and `response.completed` with the whole response and its usage.
    private static func responses(id: String, model: String, texts: [String], calls: [SimulatedToolCalls.Call],
                                  fragments: [[String]], input: Int, output: Int) -> StreamPlan {
        let responseID = "resp_\(id.prefix(24))", messageID = "msg_\(id.prefix(24))"
        var sequence = 0
        func event(_ type: String, _ fields: JSONObject) -> String {
            var object = fields
            object["type"] = .string(type)
            object["sequence_number"] = .int(Int64(sequence))
            sequence += 1
            return sse(event: type, .object(object))
        }
        func response(status: String, output items: [JSONValue], usage: JSONValue) -> JSONValue {
            ["id": .string(responseID), "object": "response", "created_at": 1_700_000_000, "status": .string(status),
             "model": .string(model), "output": .array(items), "usage": usage, "error": .null, "incomplete_details": .null]
        }
        let usage: JSONValue = ["input_tokens": .int(Int64(input)), "input_tokens_details": ["cached_tokens": 0],
                                "output_tokens": .int(Int64(output)), "output_tokens_details": ["reasoning_tokens": 0],
                                "total_tokens": .int(Int64(input + output))]
        let text = texts.joined()
        let message: JSONValue = ["type": "message", "id": .string(messageID), "status": "completed", "role": "assistant",
                                  "content": [["type": "output_text", "text": .string(text), "annotations": []]]]
        let callItems: [JSONValue] = calls.enumerated().map { i, call in
            ["type": "function_call", "id": .string("fc_\(id.prefix(16))_\(i)"), "call_id": .string("call_\(id.prefix(8))_\(i)"),
             "name": .string(call.name), "arguments": .string(call.arguments), "status": "completed"]
        }
        var preamble = [event("response.created", ["response": response(status: "in_progress", output: [], usage: .null)]),
                        event("response.in_progress", ["response": response(status: "in_progress", output: [], usage: .null)])]
        var tokens: [String] = []
        var trailer: [String] = []
        if calls.isEmpty {
            preamble.append(event("response.output_item.added", ["output_index": 0, "item": ["type": "message", "id": .string(messageID),
                                                                                               "status": "in_progress", "role": "assistant", "content": []]]))
            preamble.append(event("response.content_part.added", ["item_id": .string(messageID), "output_index": 0, "content_index": 0,
                                                                  "part": ["type": "output_text", "text": "", "annotations": []]]))
            tokens = texts.map { event("response.output_text.delta", ["item_id": .string(messageID), "output_index": 0, "content_index": 0,
                                                                        "delta": .string($0), "logprobs": []]) }
            trailer.append(event("response.output_text.done", ["item_id": .string(messageID), "output_index": 0, "content_index": 0,
                                                               "text": .string(text), "logprobs": []]))
            trailer.append(event("response.content_part.done", ["item_id": .string(messageID), "output_index": 0, "content_index": 0,
                                                                "part": ["type": "output_text", "text": .string(text), "annotations": []]]))
            trailer.append(event("response.output_item.done", ["output_index": 0, "item": message]))
        } else {
            for (i, item) in callItems.enumerated() {
                var added = item.objectValue ?? [:]
                added["arguments"] = ""
                added["status"] = "in_progress"
                let itemID = item["id"] ?? ""
                tokens.append(event("response.output_item.added", ["output_index": .int(Int64(i)), "item": .object(added)]))
                for piece in fragments[i] {
                    tokens.append(event("response.function_call_arguments.delta", ["item_id": itemID, "output_index": .int(Int64(i)),
                                                                                   "delta": .string(piece)]))
                }
                // The closing events are no tokens: they go out in the same write as the last one.
                tokens[tokens.count - 1] += event("response.function_call_arguments.done", ["item_id": itemID, "output_index": .int(Int64(i)),
                                                                                            "arguments": item["arguments"] ?? ""])
                tokens[tokens.count - 1] += event("response.output_item.done", ["output_index": .int(Int64(i)), "item": item])
            }
        }
        let items = calls.isEmpty ? [message] : callItems
        let whole = response(status: "completed", output: items, usage: usage)
        trailer.append(event("response.completed", ["response": whole]))
        return StreamPlan(preamble: preamble, tokens: tokens, trailer: trailer, whole: whole)
    }

    // MARK: Cohere v2 chat

    /// Named SSE events: message-start and content-start (not tokens), one content-delta
    /// per token — or, for tool calls, tool-call-start (the name: a token) and one
    /// tool-call-delta per argument fragment — then content-end or tool-call-end and
    /// message-end with the finish reason and the usage (billed units and tokens).
    private static func cohere(id: String, texts: [String], calls: [SimulatedToolCalls.Call], fragments: [[String]],
                               input: Int, output: Int) -> StreamPlan {
        func event(_ type: String, _ fields: JSONObject) -> String {
            var object = fields
            object["type"] = .string(type)
            return sse(event: type, .object(object))
        }
        let counts: JSONValue = ["input_tokens": .int(Int64(input)), "output_tokens": .int(Int64(output))]
        let usage: JSONValue = ["billed_units": counts, "tokens": counts]
        let finish = calls.isEmpty ? "COMPLETE" : "TOOL_CALL"
        var preamble = [event("message-start", ["id": .string(id), "delta": ["message": ["role": "assistant", "content": [], "tool_plan": "",
                                                                                          "tool_calls": [], "citations": []]]])]
        var tokens: [String] = []
        var trailer: [String] = []
        var message: JSONObject = ["role": "assistant"]
        if calls.isEmpty {
            preamble.append(event("content-start", ["index": 0, "delta": ["message": ["content": ["type": "text", "text": ""]]]]))
            tokens = texts.map { event("content-delta", ["index": 0, "delta": ["message": ["content": ["text": .string($0)]]]]) }
            trailer.append(event("content-end", ["index": 0]))
            message["content"] = [["type": "text", "text": .string(texts.joined())]]
        } else {
            for (i, call) in calls.enumerated() {
                let callID = "\(call.name)_\(id.prefix(8))_\(i)"
                tokens.append(event("tool-call-start", ["index": .int(Int64(i)), "delta": ["message": ["tool_calls": [
                    "id": .string(callID), "type": "function", "function": ["name": .string(call.name), "arguments": ""]]]]]))
                tokens += fragments[i].map { piece in
                    event("tool-call-delta", ["index": .int(Int64(i)), "delta": ["message": ["tool_calls": ["function": ["arguments": .string(piece)]]]]])
                }
                tokens[tokens.count - 1] += event("tool-call-end", ["index": .int(Int64(i))])  // no token: with the last one
            }
            message["tool_calls"] = .array(calls.enumerated().map { i, call in
                ["id": .string("\(call.name)_\(id.prefix(8))_\(i)"), "type": "function",
                 "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
            })
        }
        trailer.append(event("message-end", ["delta": ["finish_reason": .string(finish), "usage": usage]]))
        return StreamPlan(preamble: preamble, tokens: tokens, trailer: trailer,
                          whole: ["id": .string(id), "message": .object(message), "finish_reason": .string(finish), "usage": usage])
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
        case .cohere:
            return ["id": "sim-error", "message": .string(message)]
        case .bedrock:
            return ["message": .string(message)]
        case .openai, .responses:
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
