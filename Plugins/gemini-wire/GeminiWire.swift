// The Gemini generateContent wire format (docs/wire-formats.md), shared by the plugins that
// speak it: `gemini` (the Gemini API, an API key) and `vertex` (Gemini on Vertex AI: regional
// endpoints, OAuth2 bearer tokens the host obtains). Each plugin keeps its URLs and manifest.

import PluginKit

public enum GeminiWire {
    /// Normalized parameter names → generationConfig fields.
    static let generationFields: [String: String] = [
        "temperature": "temperature", "top_p": "topP", "top_k": "topK", "max_tokens": "maxOutputTokens",
        "stop": "stopSequences", "seed": "seed", "frequency_penalty": "frequencyPenalty",
        "presence_penalty": "presencePenalty",
    ]

    /// The generateContent body for a normalized request, with the model (checked to be
    /// one safe path segment) and whether to stream.
    public static func body(_ request: JSONValue) throws -> (body: JSONObject, model: String, stream: Bool) {
        guard let model = request["model"]?.stringValue, !model.isEmpty else {
            throw PluginError.invalidInput("request.model is required")
        }
        // The model goes into the URL path: letters, digits, "-", "_" and "." only, no "..".
        guard model.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }), !model.contains("..") else {
            throw PluginError.invalidInput("model \"\(model)\" is not a valid Gemini model name")
        }
        guard let messages = request["messages"]?.arrayValue, !messages.isEmpty else {
            throw PluginError.invalidInput("request.messages must be a non-empty array")
        }
        let stream = request["stream"]?.boolValue ?? true
        let (system, contents) = try wireContents(messages)
        var body: JSONObject = ["contents": .array(contents)]
        if !system.isEmpty { body["systemInstruction"] = ["parts": [["text": .string(system)]]] }
        var generation = JSONObject()
        for (key, value) in request["params"]?.objectValue ?? JSONObject() {
            if let field = generationFields[key] {
                generation[field] = key == "stop" ? (value.arrayValue.map(JSONValue.array) ?? .array([value])) : value
            } else if key == "reasoning_effort", let effort = value.stringValue {
                generation["thinkingConfig"] = ["thinkingBudget": .int(["minimal": 0, "low": 1024, "medium": 8192, "high": 24576][effort] ?? -1)]
            } else {
                body[key] = value  // provider-specific passthrough (safetySettings, cachedContent, ...)
            }
        }
        if !generation.isEmpty { body["generationConfig"] = .object(generation) }
        if let tools = request["tools"]?.arrayValue, !tools.isEmpty {
            body["tools"] = [["functionDeclarations": .array(tools.map { tool in
                let f = tool["function"] ?? tool
                var out: JSONObject = ["name": f["name"] ?? ""]
                if let description = f["description"] { out["description"] = description }
                if let parameters = f["parameters"] { out["parametersJsonSchema"] = parameters }
                return .object(out)
            })]]
            if let choice = request["tool_choice"] { body["toolConfig"] = ["functionCallingConfig": wireToolChoice(choice)] }
        }
        return (body, model, stream)
    }

    public static func parseResponse(_ body: [UInt8]) throws -> JSONValue {
        guard let json = try? JSONParser.parse(bytes: body) else { throw PluginError.malformedStream("response body is not JSON") }
        if let error = json["error"] { throw PluginError.malformedStream("provider error: \(error["message"]?.stringValue ?? error.jsonString)") }
        var text = "", reasoning = ""
        var calls: [JSONValue] = []
        let candidate = json["candidates"]?.arrayValue?.first
        for part in candidate?["content"]?["parts"]?.arrayValue ?? [] {
            if let call = part["functionCall"] {
                calls.append(["id": call["id"] ?? .string("call_\(calls.count)"), "name": call["name"] ?? "",
                              "arguments": .string((call["args"] ?? .object([:])).jsonString)])
            } else if let t = part["text"]?.stringValue {
                if part["thought"]?.boolValue == true { reasoning += t } else { text += t }
            }
        }
        let blocked = json["promptFeedback"]?["blockReason"]?.stringValue
        let raw = candidate?["finishReason"]?.stringValue ?? blocked ?? ""
        let usage = json["usageMetadata"]
        return [
            "text": .string(text), "reasoning": .string(reasoning), "calls": .array(calls),
            "finish_reason": .string(candidate == nil && blocked != nil ? "content_filter" : normalizedFinish(raw, madeCalls: !calls.isEmpty)),
            "finish_detail": .string(raw),
            "usage": usage.map { usage -> JSONValue in
                let (output, reasoning) = GeminiStreamDecoder.output(usage)
                return ["input_tokens": usage["promptTokenCount"] ?? .null, "output_tokens": output.map(JSONValue.int) ?? .null,
                        "reasoning_tokens": reasoning.map(JSONValue.int) ?? .null]
            } ?? .null,
        ]
    }

    public static func parseListModels(_ body: [UInt8]) throws -> JSONValue {
        guard let json = try? JSONParser.parse(bytes: body), let models = json["models"]?.arrayValue else {
            throw PluginError.malformedStream("model list is not {\"models\": [...]}")
        }
        return .array(models.compactMap { item in
            guard let name = item["name"]?.stringValue else { return nil }
            let id = name.hasPrefix("models/") ? String(name.dropFirst(7)) : name
            var model: JSONObject = ["id": .string(id), "display_name": item["displayName"] ?? .string(id)]
            if let limit = item["inputTokenLimit"] { model["context_window"] = limit }
            return .object(model)
        })
    }

    public static func classifyError(status: Int, body: [UInt8]) -> JSONValue {
        let json = try? JSONParser.parse(bytes: body)
        let message = json?["error"]?["message"]?.stringValue ?? String(decoding: body.prefix(300), as: UTF8.self)
        let state = json?["error"]?["status"]?.stringValue ?? ""
        let errorClass: String
        if status == 429 || state == "RESOURCE_EXHAUSTED" {
            errorClass = "rate_limited"
        } else if status == 401 || status == 403 || state == "UNAUTHENTICATED" || state == "PERMISSION_DENIED"
                    || message.contains("API_KEY_INVALID") || message.contains("API key not valid") {
            errorClass = "auth_failed"
        } else {
            errorClass = "http_\(status)"
        }
        return ["class": .string(errorClass), "message": .string(message)]
    }

    /// Normalized messages → Gemini contents: system lifted into systemInstruction,
    /// assistant → "model" with text and functionCall parts, tool results → a user turn of
    /// functionResponse parts (matched to calls by name, as ids may be missing).
    static func wireContents(_ messages: [JSONValue]) throws -> (String, [JSONValue]) {
        var system: [String] = []
        var contents: [JSONValue] = []
        var callNames: [String: String] = [:]
        var pendingResponses: [JSONValue] = []
        func flush() {
            if !pendingResponses.isEmpty {
                contents.append(["role": "user", "parts": .array(pendingResponses)])
                pendingResponses = []
            }
        }
        for (i, message) in messages.enumerated() {
            let content = message["content"]?.stringValue ?? ""
            switch message["role"]?.stringValue ?? "" {
            case "system":
                system.append(content)
            case "user":
                flush()
                contents.append(["role": "user", "parts": [["text": .string(content)]]])
            case "assistant":
                flush()
                var parts: [JSONValue] = []
                if !content.isEmpty { parts.append(["text": .string(content)]) }
                for call in message["tool_calls"]?.arrayValue ?? [] {
                    let f = call["function"] ?? .object([:])
                    var args = f["arguments"] ?? .object([:])
                    if let text = args.stringValue { args = (try? JSONParser.parse(text)) ?? .object([:]) }
                    let name = f["name"]?.stringValue ?? ""
                    if let id = call["id"]?.stringValue { callNames[id] = name }
                    parts.append(["functionCall": ["name": .string(name), "args": args]])
                }
                contents.append(["role": "model", "parts": .array(parts)])
            case "tool":
                let id = message["tool_call_id"]?.stringValue ?? ""
                let name = message["name"]?.stringValue ?? callNames[id] ?? id
                let response = (try? JSONParser.parse(content)).flatMap { $0.objectValue.map(JSONValue.object) } ?? ["result": .string(content)]
                pendingResponses.append(["functionResponse": ["name": .string(name), "response": response]])
            default:
                throw PluginError.invalidInput("messages[\(i)].role is not system, user, assistant or tool")
            }
        }
        flush()
        return (system.joined(separator: "\n\n"), contents)
    }

    static func wireToolChoice(_ choice: JSONValue) -> JSONValue {
        if let name = choice["name"]?.stringValue { return ["mode": "ANY", "allowedFunctionNames": [.string(name)]] }
        switch choice.stringValue {
        case "required": return ["mode": "ANY"]
        case "none": return ["mode": "NONE"]
        default: return ["mode": "AUTO"]
        }
    }

    /// Gemini says STOP even after a function call; the call decides.
    static func normalizedFinish(_ raw: String, madeCalls: Bool) -> String {
        switch raw {
        case "STOP": return madeCalls ? "tool_calls" : "stop"
        case "MAX_TOKENS": return "length"
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII": return "content_filter"
        case "": return ""
        default: return "other"
        }
    }
}

/// Decodes `streamGenerateContent?alt=sse`: every `data:` line is a whole response; there
/// is no [DONE], so the end is signalled when the body ends. Function calls arrive whole.
public final class GeminiStreamDecoder: StreamDecoder {
    private var sse = ServerSentEventParser()
    private var calls = 0
    private var ended = false

    public init() {}

    public func decode(_ bytes: UnsafeRawBufferPointer, into events: inout StreamEventSink) throws {
        try sse.feed(bytes) { try handle($0, &events) }
    }

    public func finish(into events: inout StreamEventSink) throws {
        try sse.finish { try handle($0, &events) }
        // Gemini aborts a stream by writing a JSON error object (pretty-printed, outside
        // the SSE framing) into the 200 body: without this the stream would look complete.
        if !sse.unframed.isEmpty, let error = (try? JSONParser.parse(bytes: sse.unframed))?["error"] {
            events.error(message: error["message"]?.stringValue ?? error.jsonString,
                         code: error["status"]?.stringValue ?? error["code"]?.intValue.map { String($0) } ?? "")
        }
        if !ended { ended = true; events.end() }
    }

    private func handle(_ event: SSEEvent, _ events: inout StreamEventSink) throws {
        let payload: JSONValue
        do { payload = try JSONParser.parse(event.data) } catch {
            throw PluginError.malformedStream("stream event is not JSON (\(error)): \(event.data.prefix(120))")
        }
        if let error = payload["error"] {
            events.error(message: error["message"]?.stringValue ?? error.jsonString, code: error["status"]?.stringValue ?? "")
            return
        }
        // A blocked prompt: no candidates, only the reason. It ends the answer as a
        // content filter would (and says which), rather than as an empty success.
        if let blocked = payload["promptFeedback"]?["blockReason"]?.stringValue {
            events.finish(reason: "content_filter", raw: blocked)
        }
        let candidate = payload["candidates"]?.arrayValue?.first
        for part in candidate?["content"]?["parts"]?.arrayValue ?? [] {
            if let call = part["functionCall"] {
                events.toolCall(index: calls, id: call["id"]?.stringValue ?? "call_\(calls)", name: call["name"]?.stringValue ?? "",
                                arguments: (call["args"] ?? .object([:])).jsonString)
                calls += 1
            } else if let text = part["text"]?.stringValue {
                if part["thought"]?.boolValue == true { events.reasoning(text) } else { events.text(text) }
            }
        }
        if let raw = candidate?["finishReason"]?.stringValue {
            events.finish(reason: GeminiWire.normalizedFinish(raw, madeCalls: calls > 0), raw: raw)
        }
        if let usage = payload["usageMetadata"] {
            let (output, reasoning) = Self.output(usage)
            events.usage(input: usage["promptTokenCount"]?.intValue, output: output,
                         reasoning: reasoning, cachedInput: usage["cachedContentTokenCount"]?.intValue)
        }
    }

    /// Output as billed: Gemini counts thoughts apart from the candidates, every other
    /// provider includes them, so they are added (docs/measurement.md).
    static func output(_ usage: JSONValue) -> (output: Int64?, reasoning: Int64?) {
        let candidates = usage["candidatesTokenCount"]?.intValue, thoughts = usage["thoughtsTokenCount"]?.intValue
        guard candidates != nil || thoughts != nil else { return (nil, nil) }
        return ((candidates ?? 0) + (thoughts ?? 0), thoughts)
    }
}
