// Provider adapter for the Anthropic Messages API. Wire format:
// docs/wire-formats.md (Anthropic Messages).

import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: AnthropicProvider.manifest, provider: AnthropicProvider.self)
}

public struct AnthropicProvider: ProviderAdapter {
    let baseURL: String
    static let apiVersion = "2023-06-01"
    /// Anthropic requires max_tokens; used when the request names none.
    static let defaultMaxTokens: Int64 = 1024

    public init(config: JSONValue) throws {
        baseURL = try ProviderConfig.baseURL(config, default: "https://api.anthropic.com/v1")
    }

    public func buildRequest(_ request: JSONValue) throws -> HTTPRequestSpec {
        guard let model = request["model"]?.stringValue, !model.isEmpty else {
            throw PluginError.invalidInput("request.model is required")
        }
        guard let messages = request["messages"]?.arrayValue, !messages.isEmpty else {
            throw PluginError.invalidInput("request.messages must be a non-empty array")
        }
        let stream = request["stream"]?.boolValue ?? true
        let (system, wire) = try Self.wireMessages(messages)
        var body: JSONObject = ["model": .string(model)]
        var params = request["params"]?.objectValue ?? JSONObject()
        body["max_tokens"] = params["max_tokens"] ?? .int(Self.defaultMaxTokens)
        params["max_tokens"] = nil
        if let stop = params["stop"] {
            body["stop_sequences"] = stop.arrayValue.map(JSONValue.array) ?? .array([stop])
            params["stop"] = nil
        }
        if !system.isEmpty { body["system"] = .string(system) }
        body["messages"] = .array(wire)
        body["stream"] = .bool(stream)
        for (key, value) in params { body[key] = value }
        if let tools = request["tools"]?.arrayValue, !tools.isEmpty {
            body["tools"] = .array(tools.map { tool in
                let f = tool["function"] ?? tool
                var out: JSONObject = ["name": f["name"] ?? "", "input_schema": f["parameters"] ?? ["type": "object"]]
                if let description = f["description"] { out["description"] = description }
                return .object(out)
            })
            if let choice = request["tool_choice"] { body["tool_choice"] = Self.wireToolChoice(choice) }
        }
        return HTTPRequestSpec(
            method: "POST", url: baseURL + "/messages",
            headers: [("Content-Type", "application/json"), ("anthropic-version", Self.apiVersion),
                      ("Accept", stream ? "text/event-stream" : "application/json")],
            body: JSONValue.object(body).jsonString)
    }

    public func makeStreamDecoder(for request: JSONValue) throws -> any StreamDecoder { AnthropicStreamDecoder() }

    public func parseResponse(_ body: [UInt8]) throws -> JSONValue {
        guard let json = try? JSONParser.parse(bytes: body) else {
            throw PluginError.malformedStream("response body is not JSON")
        }
        if json["type"]?.stringValue == "error" {
            throw PluginError.malformedStream("provider error: \(json["error"]?["message"]?.stringValue ?? json.jsonString)")
        }
        var text = "", reasoning = ""
        var calls: [JSONValue] = []
        for block in json["content"]?.arrayValue ?? [] {
            switch block["type"]?.stringValue {
            case "text": text += block["text"]?.stringValue ?? ""
            case "thinking": reasoning += block["thinking"]?.stringValue ?? ""
            case "tool_use":
                calls.append(["id": block["id"] ?? "", "name": block["name"] ?? "",
                              "arguments": .string((block["input"] ?? .object([:])).jsonString)])
            default: break
            }
        }
        let raw = json["stop_reason"]?.stringValue ?? ""
        let usage = json["usage"]
        return [
            "text": .string(text), "reasoning": .string(reasoning), "calls": .array(calls),
            "finish_reason": .string(Self.normalizedFinish(raw)), "finish_detail": .string(raw),
            "usage": usage.map { ["input_tokens": $0["input_tokens"] ?? .null, "output_tokens": $0["output_tokens"] ?? .null,
                                  "cached_input_tokens": $0["cache_read_input_tokens"] ?? .null] } ?? .null,
        ]
    }

    public func buildListModelsRequest() throws -> HTTPRequestSpec {
        HTTPRequestSpec(method: "GET", url: baseURL + "/models",
                        headers: [("anthropic-version", Self.apiVersion), ("Accept", "application/json")])
    }

    public func parseListModels(_ body: [UInt8]) throws -> JSONValue {
        guard let json = try? JSONParser.parse(bytes: body), let data = json["data"]?.arrayValue else {
            throw PluginError.malformedStream("model list is not {\"data\": [...]}")
        }
        return .array(data.compactMap { item in
            guard let id = item["id"]?.stringValue else { return nil }
            return ["id": .string(id), "display_name": item["display_name"] ?? .string(id)]
        })
    }

    public func classifyError(status: Int, body: [UInt8]) -> JSONValue {
        let json = try? JSONParser.parse(bytes: body)
        let message = json?["error"]?["message"]?.stringValue ?? String(decoding: body.prefix(300), as: UTF8.self)
        let errorClass: String
        switch (status, json?["error"]?["type"]?.stringValue) {
        case (429, _), (_, "rate_limit_error"): errorClass = "rate_limited"
        case (401, _), (403, _), (_, "authentication_error"), (_, "permission_error"): errorClass = "auth_failed"
        default: errorClass = "http_\(status)"
        }
        return ["class": .string(errorClass), "message": .string(message)]
    }

    // MARK: - Wire helpers

    /// Normalized (OpenAI-shaped) messages → Anthropic's: system prompts lifted out,
    /// assistant tool calls as tool_use blocks, tool results as tool_result blocks in a
    /// user message (several consecutive results share one message, results first).
    static func wireMessages(_ messages: [JSONValue]) throws -> (String, [JSONValue]) {
        var system: [String] = []
        var out: [JSONValue] = []
        var pendingResults: [JSONValue] = []
        func flushResults() {
            if !pendingResults.isEmpty {
                out.append(["role": "user", "content": .array(pendingResults)])
                pendingResults = []
            }
        }
        for (i, message) in messages.enumerated() {
            let role = message["role"]?.stringValue ?? ""
            let content = message["content"]?.stringValue ?? ""
            switch role {
            case "system":
                system.append(content)
            case "tool":
                pendingResults.append(["type": "tool_result", "tool_use_id": message["tool_call_id"] ?? "",
                                       "content": .string(content)])
            case "user":
                flushResults()
                out.append(["role": "user", "content": .string(content)])
            case "assistant":
                flushResults()
                var blocks: [JSONValue] = []
                if !content.isEmpty { blocks.append(["type": "text", "text": .string(content)]) }
                for call in message["tool_calls"]?.arrayValue ?? [] {
                    let f = call["function"] ?? .object([:])
                    var input = f["arguments"] ?? .object([:])
                    if let text = input.stringValue { input = (try? JSONParser.parse(text)) ?? .object([:]) }
                    blocks.append(["type": "tool_use", "id": call["id"] ?? "", "name": f["name"] ?? "", "input": input])
                }
                out.append(["role": "assistant", "content": .array(blocks)])
            default:
                throw PluginError.invalidInput("messages[\(i)].role \"\(role)\" is not system, user, assistant or tool")
            }
        }
        flushResults()
        return (system.joined(separator: "\n\n"), out)
    }

    static func wireToolChoice(_ choice: JSONValue) -> JSONValue {
        if let name = choice["name"]?.stringValue { return ["type": "tool", "name": .string(name)] }
        switch choice.stringValue {
        case "required": return ["type": "any"]
        case "none": return ["type": "none"]
        default: return ["type": "auto"]
        }
    }

    static func normalizedFinish(_ raw: String) -> String {
        switch raw {
        case "end_turn", "stop_sequence": return "stop"
        case "max_tokens", "model_context_window_exceeded": return "length"
        case "tool_use": return "tool_calls"
        case "refusal": return "content_filter"
        case "": return ""
        default: return "other"
        }
    }
}

/// Decodes the Messages SSE stream (named events). Text, thinking and tool-input deltas
/// are tokens; message_start, content_block_start of text, ping and stops are not.
final class AnthropicStreamDecoder: StreamDecoder {
    private var sse = ServerSentEventParser()

    func decode(_ bytes: UnsafeRawBufferPointer, into events: inout StreamEventSink) throws {
        try sse.feed(bytes) { try handle($0, &events) }
    }

    func finish(into events: inout StreamEventSink) throws {
        try sse.finish { try handle($0, &events) }
    }

    private func handle(_ event: SSEEvent, _ events: inout StreamEventSink) throws {
        // Proxies speaking this format (OpenRouter) may end with an OpenAI-style
        // `data: [DONE]` after message_stop: a terminator, not a broken event.
        if event.data == "[DONE]" { return }
        let payload: JSONValue
        do { payload = try JSONParser.parse(event.data) } catch {
            throw PluginError.malformedStream("stream event is not JSON (\(error)): \(event.data.prefix(120))")
        }
        let type = payload["type"]?.stringValue ?? event.event
        switch type {
        case "message_start":
            let usage = payload["message"]?["usage"]
            if let input = usage?["input_tokens"]?.intValue {
                events.usage(input: input, cachedInput: usage?["cache_read_input_tokens"]?.intValue)
            }
        case "content_block_start":
            let block = payload["content_block"] ?? .object([:])
            let index = Int(payload["index"]?.intValue ?? 0)
            switch block["type"]?.stringValue {
            case "tool_use", "server_tool_use":
                events.toolCall(index: index, id: block["id"]?.stringValue ?? "", name: block["name"]?.stringValue ?? "")
            case "text":
                events.text(block["text"]?.stringValue ?? "")
            default:
                break
            }
        case "content_block_delta":
            let delta = payload["delta"] ?? .object([:])
            let index = Int(payload["index"]?.intValue ?? 0)
            switch delta["type"]?.stringValue {
            case "text_delta": events.text(delta["text"]?.stringValue ?? "")
            case "thinking_delta": events.reasoning(delta["thinking"]?.stringValue ?? "")
            case "input_json_delta": events.toolCall(index: index, arguments: delta["partial_json"]?.stringValue ?? "")
            default: break  // signature_delta, citations_delta: not tokens of the answer
            }
        case "message_delta":
            if let raw = payload["delta"]?["stop_reason"]?.stringValue {
                events.finish(reason: AnthropicProvider.normalizedFinish(raw), raw: raw)
            }
            // The final usage. Proxies that could not know the input count at
            // message_start (it says 0, or an estimate) give the real one here.
            let usage = payload["usage"]
            let input = usage?["input_tokens"]?.intValue.flatMap { $0 > 0 ? $0 : nil }
            let output = usage?["output_tokens"]?.intValue
            if input != nil || output != nil { events.usage(input: input, output: output) }
        case "message_stop":
            events.end()
        case "error":
            events.error(message: payload["error"]?["message"]?.stringValue ?? payload.jsonString,
                         code: payload["error"]?["type"]?.stringValue ?? "")
        default:
            break  // ping, content_block_stop
        }
    }
}
