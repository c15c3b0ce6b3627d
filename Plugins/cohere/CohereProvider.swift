// Provider adapter for Cohere's v2 chat API, POST /v2/chat.
// Wire format: docs/wire-formats.md ("Cohere v2 chat"): named SSE events
// (message-start, content-delta, tool-plan-delta, tool-call-start/-delta/-end,
// message-end with the finish reason and usage).

import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: CohereProvider.manifest, provider: CohereProvider.self)
}

public struct CohereProvider: ProviderAdapter {
    /// The API's root: chat is under /v2, the model list under /v1.
    let baseURL: String

    public init(config: JSONValue) throws {
        baseURL = try ProviderConfig.baseURL(config, default: "https://api.cohere.com")
    }

    /// Normalized parameter names → Cohere's.
    static let renamed: [String: String] = ["top_p": "p", "top_k": "k", "stop": "stop_sequences"]

    public func buildRequest(_ request: JSONValue) throws -> HTTPRequestSpec {
        guard let model = request["model"]?.stringValue, !model.isEmpty else {
            throw PluginError.invalidInput("request.model is required")
        }
        guard let messages = request["messages"]?.arrayValue, !messages.isEmpty else {
            throw PluginError.invalidInput("request.messages must be a non-empty array")
        }
        let stream = request["stream"]?.boolValue ?? true
        var body: JSONObject = ["model": .string(model), "messages": .array(try Self.wireMessages(messages)), "stream": .bool(stream)]
        for (key, value) in request["params"]?.objectValue ?? JSONObject() {
            if key == "stop" {
                body["stop_sequences"] = value.arrayValue.map(JSONValue.array) ?? .array([value])
            } else {
                body[Self.renamed[key] ?? key] = value
            }
        }
        if let tools = request["tools"]?.arrayValue, !tools.isEmpty {
            body["tools"] = .array(tools.map { tool in tool["function"] != nil ? tool : ["type": "function", "function": tool] })
            // Cohere takes REQUIRED or NONE (no named tool: a name asks for some call).
            switch request["tool_choice"] {
            case .string("none")?: body["tool_choice"] = "NONE"
            case .string("required")?: body["tool_choice"] = "REQUIRED"
            case .object?: body["tool_choice"] = "REQUIRED"
            default: break
            }
        }
        return HTTPRequestSpec(
            method: "POST", url: baseURL + "/v2/chat",
            headers: [("Content-Type", "application/json"), ("Accept", stream ? "text/event-stream" : "application/json")],
            body: JSONValue.object(body).jsonString)
    }

    public func makeStreamDecoder(for request: JSONValue) throws -> any StreamDecoder { CohereStreamDecoder() }

    public func parseResponse(_ body: [UInt8]) throws -> JSONValue {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes: body) } catch {
            throw PluginError.malformedStream("response body is not JSON: \(error)")
        }
        guard let message = json["message"] else {
            throw PluginError.malformedStream("response has no message: \(json["message"]?.stringValue ?? json.jsonString.prefix(200).description)")
        }
        var text = "", reasoning = message["tool_plan"]?.stringValue ?? ""
        for part in message["content"]?.arrayValue ?? [] {
            switch part["type"]?.stringValue {
            case "thinking": reasoning += part["thinking"]?.stringValue ?? ""
            default: text += part["text"]?.stringValue ?? ""
            }
        }
        let calls: [JSONValue] = (message["tool_calls"]?.arrayValue ?? []).map { call in
            let f = call["function"] ?? .object([:])
            return ["id": call["id"] ?? "", "name": f["name"] ?? "", "arguments": .string(f["arguments"].map { $0.stringValue ?? $0.jsonString } ?? "")]
        }
        let raw = json["finish_reason"]?.stringValue ?? ""
        let counts = Self.counts(json["usage"])
        return [
            "text": .string(text), "reasoning": .string(reasoning), "calls": .array(calls),
            "finish_reason": .string(Self.normalizedFinish(raw)), "finish_detail": .string(raw),
            "usage": counts.map { ["input_tokens": $0["input_tokens"] ?? .null, "output_tokens": $0["output_tokens"] ?? .null] } ?? .null,
        ]
    }

    public func buildListModelsRequest() throws -> HTTPRequestSpec {
        HTTPRequestSpec(method: "GET", url: baseURL + "/v1/models?endpoint=chat&page_size=1000", headers: [("Accept", "application/json")])
    }

    public func parseListModels(_ body: [UInt8]) throws -> JSONValue {
        guard let json = try? JSONParser.parse(bytes: body), let models = json["models"]?.arrayValue else {
            throw PluginError.malformedStream("model list is not {\"models\": [...]}")
        }
        return .array(models.compactMap { item in
            guard let name = item["name"]?.stringValue else { return nil }
            var model: JSONObject = ["id": .string(name)]
            if let window = item["context_length"]?.intValue { model["context_window"] = .int(window) }
            return .object(model)
        })
    }

    public func classifyError(status: Int, body: [UInt8]) -> JSONValue {
        let json = try? JSONParser.parse(bytes: body)
        let message = json?["message"]?.stringValue ?? json?["error"]?.stringValue ?? String(decoding: body.prefix(300), as: UTF8.self)
        let errorClass: String
        switch status {
        case 429: errorClass = "rate_limited"
        case 401, 403: errorClass = "auth_failed"
        default: errorClass = "http_\(status)"
        }
        return ["class": .string(errorClass), "message": .string(message)]
    }

    // MARK: - Wire helpers

    /// Normalized (OpenAI-shaped) messages → Cohere v2's, which are close: tool-call
    /// arguments as JSON text, tool results as `tool` messages with `tool_call_id`.
    static func wireMessages(_ messages: [JSONValue]) throws -> [JSONValue] {
        try messages.enumerated().map { i, message in
            let role = message["role"]?.stringValue ?? ""
            guard ["system", "user", "assistant", "tool"].contains(role) else {
                throw PluginError.invalidInput("messages[\(i)].role \"\(role)\" is not system, user, assistant or tool")
            }
            var out: JSONObject = ["role": .string(role)]
            let content = message["content"]?.stringValue ?? ""
            if role == "assistant", let calls = message["tool_calls"]?.arrayValue, !calls.isEmpty {
                out["tool_calls"] = .array(calls.map { call in
                    let f = call["function"] ?? .object([:])
                    let arguments = f["arguments"].map { $0.stringValue ?? $0.jsonString } ?? "{}"
                    return ["id": call["id"] ?? "", "type": "function", "function": ["name": f["name"] ?? "", "arguments": .string(arguments)]]
                })
                if !content.isEmpty { out["tool_plan"] = .string(content) }
            } else {
                out["content"] = .string(content)
            }
            if role == "tool" { out["tool_call_id"] = message["tool_call_id"] ?? "" }
            return .object(out)
        }
    }

    static func normalizedFinish(_ raw: String) -> String {
        switch raw {
        case "COMPLETE", "STOP_SEQUENCE": return "stop"
        case "MAX_TOKENS": return "length"
        case "TOOL_CALL": return "tool_calls"
        case "": return ""
        default: return "other"  // ERROR, TIMEOUT
        }
    }

    /// The token counts: `tokens` (what the model read and wrote), else `billed_units`.
    static func counts(_ usage: JSONValue?) -> JSONValue? {
        guard let usage, !usage.isNull else { return nil }
        if let tokens = usage["tokens"], !tokens.isNull { return tokens }
        if let billed = usage["billed_units"], !billed.isNull { return billed }
        return nil
    }
}

/// Decodes the v2 chat stream. Text, thinking and the tool plan (the model's reasoning
/// before it calls tools: written tokens) are tokens; a call's start (its name) and each
/// argument fragment are tokens; message-start, content-start/-end and tool-call-end are not.
final class CohereStreamDecoder: StreamDecoder {
    private var sse = ServerSentEventParser()
    private var ended = false

    func decode(_ bytes: UnsafeRawBufferPointer, into events: inout StreamEventSink) throws {
        try sse.feed(bytes) { try handle($0, &events) }
    }

    func finish(into events: inout StreamEventSink) throws {
        try sse.finish { try handle($0, &events) }
        if !ended { ended = true; events.end() }
    }

    private func handle(_ event: SSEEvent, _ events: inout StreamEventSink) throws {
        if event.data == "[DONE]" || event.dataBytes.isEmpty { return }
        let payload: JSONValue
        do { payload = try JSONParser.parse(bytes: event.dataBytes) } catch {
            throw PluginError.malformedStream("stream event is not JSON (\(error)): \(event.data.prefix(120))")
        }
        let message = payload["delta"]?["message"]
        let index = Int(payload["index"]?.intValue ?? 0)
        switch payload["type"]?.stringValue ?? event.event {
        case "content-start", "content-delta":
            let content = message?["content"]
            if let thinking = content?["thinking"]?.stringValue { events.reasoning(thinking) }
            if let text = content?["text"]?.stringValue { events.text(text) }
        case "tool-plan-delta":
            events.reasoning(message?["tool_plan"]?.stringValue ?? "")
        case "tool-call-start", "tool-call-delta":
            let call = message?["tool_calls"]
            let f = call?["function"]
            events.toolCall(index: index, id: call?["id"]?.stringValue ?? "", name: f?["name"]?.stringValue ?? "",
                            arguments: f?["arguments"]?.stringValue ?? "")
        case "message-end":
            let delta = payload["delta"]
            if let counts = CohereProvider.counts(delta?["usage"]) {
                events.usage(input: counts["input_tokens"]?.intValue, output: counts["output_tokens"]?.intValue)
            }
            let raw = delta?["finish_reason"]?.stringValue ?? ""
            if raw == "ERROR" {
                events.finish(reason: CohereProvider.normalizedFinish(raw), raw: raw)
                events.error(message: delta?["error"]?.stringValue ?? "the model stopped with an error (finish_reason ERROR)", code: raw)
            } else if !raw.isEmpty {
                events.finish(reason: CohereProvider.normalizedFinish(raw), raw: raw)
            }
            ended = true
            events.end()
        default:
            break  // message-start, content-end, tool-call-end, citation-start/-end
        }
    }
}
