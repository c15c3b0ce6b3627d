// Provider adapter for Ollama's native chat API, /api/chat.
// Wire format: docs/wire-formats.md ("Ollama native"): newline-delimited JSON, one
// object per line; the last has "done": true with the token counts.

import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: OllamaProvider.manifest, provider: OllamaProvider.self)
}

public struct OllamaProvider: ProviderAdapter {
    let baseURL: String

    public init(config: JSONValue) throws {
        baseURL = try ProviderConfig.baseURL(config, default: "http://127.0.0.1:11434")
    }

    /// Normalized parameter names → Ollama's `options` (max_tokens is num_predict).
    static let optionFields: [String: String] = [
        "temperature": "temperature", "top_p": "top_p", "top_k": "top_k", "max_tokens": "num_predict", "stop": "stop",
        "seed": "seed", "frequency_penalty": "frequency_penalty", "presence_penalty": "presence_penalty",
        "repeat_penalty": "repeat_penalty", "num_ctx": "num_ctx",
    ]

    public func buildRequest(_ request: JSONValue) throws -> HTTPRequestSpec {
        guard let model = request["model"]?.stringValue, !model.isEmpty else {
            throw PluginError.invalidInput("request.model is required")
        }
        guard let messages = request["messages"]?.arrayValue, !messages.isEmpty else {
            throw PluginError.invalidInput("request.messages must be a non-empty array")
        }
        var body: JSONObject = ["model": .string(model), "messages": .array(try Self.wireMessages(messages)),
                                // Ollama streams unless told not to: say which, always.
                                "stream": .bool(request["stream"]?.boolValue ?? true)]
        var options = JSONObject()
        for (key, value) in request["params"]?.objectValue ?? JSONObject() {
            if let field = Self.optionFields[key] {
                options[field] = key == "stop" ? (value.arrayValue.map(JSONValue.array) ?? .array([value])) : value
            } else if key == "reasoning_effort" {
                body["think"] = value  // gpt-oss takes "low" | "medium" | "high"
            } else {
                body[key] = value  // passthrough: think, format, keep_alive, …
            }
        }
        if !options.isEmpty { body["options"] = .object(options) }
        if let tools = request["tools"]?.arrayValue, !tools.isEmpty {
            body["tools"] = .array(tools.map { tool in tool["function"] != nil ? tool : ["type": "function", "function": tool] })
        }
        return HTTPRequestSpec(method: "POST", url: baseURL + "/api/chat", headers: [("Content-Type", "application/json")],
                               body: JSONValue.object(body).jsonString)
    }

    public func makeStreamDecoder(for request: JSONValue) throws -> any StreamDecoder { OllamaStreamDecoder() }

    /// A whole `"stream": false` answer: one object, the done line with the whole message.
    public func parseResponse(_ body: [UInt8]) throws -> JSONValue {
        guard let json = try? JSONParser.parse(bytes: body) else { throw PluginError.malformedStream("response body is not JSON") }
        if let error = json["error"] { throw PluginError.malformedStream("provider error: \(error.stringValue ?? error.jsonString)") }
        let message = json["message"] ?? .object([:])
        let calls: [JSONValue] = (message["tool_calls"]?.arrayValue ?? []).enumerated().map { i, call in
            let f = call["function"] ?? .object([:])
            return ["id": call["id"] ?? .string("call_\(i)"), "name": f["name"] ?? "", "arguments": .string(Self.arguments(f["arguments"]))]
        }
        let raw = json["done_reason"]?.stringValue ?? ""
        return [
            "text": message["content"] ?? "", "reasoning": message["thinking"] ?? "", "calls": .array(calls),
            "finish_reason": .string(Self.normalizedFinish(raw, madeCalls: !calls.isEmpty)), "finish_detail": .string(raw),
            "usage": ["input_tokens": json["prompt_eval_count"] ?? .null, "output_tokens": json["eval_count"] ?? .null],
        ]
    }

    public func buildListModelsRequest() throws -> HTTPRequestSpec {
        HTTPRequestSpec(method: "GET", url: baseURL + "/api/tags", headers: [("Accept", "application/json")])
    }

    public func parseListModels(_ body: [UInt8]) throws -> JSONValue {
        guard let json = try? JSONParser.parse(bytes: body), let models = json["models"]?.arrayValue else {
            throw PluginError.malformedStream("model list is not {\"models\": [...]}")
        }
        return .array(models.compactMap { item in
            guard let name = (item["model"] ?? item["name"])?.stringValue else { return nil }
            return ["id": .string(name), "display_name": item["name"] ?? .string(name)]
        })
    }

    public func classifyError(status: Int, body: [UInt8]) -> JSONValue {
        let json = try? JSONParser.parse(bytes: body)
        let message = json?["error"]?.stringValue ?? json?["error"]?["message"]?.stringValue ?? String(decoding: body.prefix(300), as: UTF8.self)
        let errorClass: String
        switch status {
        case 429: errorClass = "rate_limited"
        case 401, 403: errorClass = "auth_failed"
        default: errorClass = "http_\(status)"  // 404: the model is not pulled ("model 'x' not found")
        }
        return ["class": .string(errorClass), "message": .string(message)]
    }

    // MARK: - Wire helpers

    /// Normalized messages → Ollama's: the same roles; tool-call arguments as objects, not
    /// JSON text; a tool result names its tool (`tool_name`) as Ollama matches by name.
    static func wireMessages(_ messages: [JSONValue]) throws -> [JSONValue] {
        var callNames: [String: String] = [:]
        return try messages.enumerated().map { i, message in
            let role = message["role"]?.stringValue ?? ""
            guard ["system", "user", "assistant", "tool"].contains(role) else {
                throw PluginError.invalidInput("messages[\(i)].role is not system, user, assistant or tool")
            }
            var out: JSONObject = ["role": .string(role), "content": .string(message["content"]?.stringValue ?? "")]
            if role == "assistant", let calls = message["tool_calls"]?.arrayValue, !calls.isEmpty {
                out["tool_calls"] = .array(calls.map { call in
                    let f = call["function"] ?? .object([:])
                    var arguments = f["arguments"] ?? .object([:])
                    if let text = arguments.stringValue { arguments = (try? JSONParser.parse(text)) ?? .object([:]) }
                    if let id = call["id"]?.stringValue { callNames[id] = f["name"]?.stringValue }
                    return ["function": ["name": f["name"] ?? "", "arguments": arguments]]
                })
            }
            if role == "tool" {
                let id = message["tool_call_id"]?.stringValue ?? ""
                if let name = message["name"]?.stringValue ?? callNames[id] { out["tool_name"] = .string(name) }
            }
            return .object(out)
        }
    }

    /// Tool-call arguments as the host wants them: JSON text (Ollama sends an object).
    static func arguments(_ value: JSONValue?) -> String {
        guard let value else { return "{}" }
        return value.stringValue ?? value.jsonString
    }

    static func normalizedFinish(_ raw: String, madeCalls: Bool) -> String {
        if madeCalls { return "tool_calls" }
        switch raw {
        case "stop": return "stop"
        case "length": return "length"
        case "": return ""
        default: return "other"  // "load", "unload": not an answer's end
        }
    }
}

/// Decodes the NDJSON stream: lines may arrive split across reads or several in one; each
/// complete line is one object. Text and thinking are tokens; an object with only an
/// empty message (the first line of some models) is not. Tool calls arrive whole.
final class OllamaStreamDecoder: StreamDecoder {
    private var pending: [UInt8] = []
    private var calls = 0
    private var ended = false
    /// A line longer than this without a newline is not Ollama talking (16 MiB).
    static let maxLine = 16 << 20

    func decode(_ bytes: UnsafeRawBufferPointer, into events: inout StreamEventSink) throws {
        var start = bytes.startIndex
        for i in bytes.indices where bytes[i] == UInt8(ascii: "\n") {
            if pending.isEmpty {
                try line(UnsafeRawBufferPointer(rebasing: bytes[start..<i]), &events)
            } else {
                pending.append(contentsOf: bytes[start..<i])
                let whole = pending
                pending.removeAll(keepingCapacity: true)
                try whole.withUnsafeBytes { try line($0, &events) }
            }
            start = i + 1
        }
        pending.append(contentsOf: bytes[start...])
        if pending.count > Self.maxLine { throw PluginError.malformedStream("a stream line is longer than \(Self.maxLine) bytes") }
    }

    func finish(into events: inout StreamEventSink) throws {
        if !pending.isEmpty {
            let rest = pending
            pending = []
            try rest.withUnsafeBytes { try line($0, &events) }
        }
        if !ended { ended = true; events.end() }
    }

    private func line(_ bytes: UnsafeRawBufferPointer, _ events: inout StreamEventSink) throws {
        guard bytes.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\t") }) else { return }
        let object: JSONValue
        do { object = try JSONParser.parse(bytes: Array(bytes)) } catch {
            throw PluginError.malformedStream("stream line is not JSON (\(error)): \(String(decoding: bytes.prefix(120), as: UTF8.self))")
        }
        // An error mid-stream is a line of its own: {"error": "..."}.
        if let error = object["error"] {
            events.error(message: error.stringValue ?? error["message"]?.stringValue ?? error.jsonString)
            return
        }
        let message = object["message"]
        if let thinking = message?["thinking"]?.stringValue { events.reasoning(thinking) }
        if let content = message?["content"]?.stringValue { events.text(content) }
        for call in message?["tool_calls"]?.arrayValue ?? [] {
            let f = call["function"] ?? .object([:])
            events.toolCall(index: calls, id: call["id"]?.stringValue ?? "call_\(calls)", name: f["name"]?.stringValue ?? "",
                            arguments: OllamaProvider.arguments(f["arguments"]))
            calls += 1
        }
        if object["done"]?.boolValue == true {
            let raw = object["done_reason"]?.stringValue ?? ""
            events.finish(reason: OllamaProvider.normalizedFinish(raw, madeCalls: calls > 0), raw: raw)
            if object["prompt_eval_count"] != nil || object["eval_count"] != nil {
                events.usage(input: object["prompt_eval_count"]?.intValue, output: object["eval_count"]?.intValue)
            }
        }
    }
}
