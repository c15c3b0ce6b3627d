// The OpenAI Chat Completions wire format (docs/wire-formats.md), shared by the plugins
// that speak it: `openai` (OpenAI and the compatible servers of its presets) and
// `azure-openai` (the same bodies at Azure's deployment URLs). Each plugin keeps only what
// differs: its URLs and its manifest. The model-list and error shapes are also those of
// the Responses API, whose plugin uses them too.

import PluginKit

public enum ChatWire {
    /// The request body for a normalized request: messages, stream (with usage asked for),
    /// the parameters as the host's rules left them, tools and tool choice.
    public static func body(_ request: JSONValue, model: String? = nil) throws -> (body: JSONObject, stream: Bool) {
        guard let model = model ?? request["model"]?.stringValue, !model.isEmpty else {
            throw PluginError.invalidInput("request.model is required")
        }
        guard let messages = request["messages"]?.arrayValue, !messages.isEmpty else {
            throw PluginError.invalidInput("request.messages must be a non-empty array")
        }
        let stream = request["stream"]?.boolValue ?? true
        var body: JSONObject = ["model": .string(model), "messages": .array(messages.map(wireMessage))]
        body["stream"] = .bool(stream)
        if stream { body["stream_options"] = ["include_usage": true] }
        // Parameters arrive already validated and renamed by the host's parameter rules.
        for (key, value) in request["params"]?.objectValue ?? JSONObject() { body[key] = value }
        if let tools = request["tools"]?.arrayValue, !tools.isEmpty {
            body["tools"] = .array(tools)
            if let choice = request["tool_choice"] { body["tool_choice"] = wireToolChoice(choice) }
        }
        return (body, stream)
    }

    /// A whole (non-streamed) chat completion → the host's answer object.
    public static func parseResponse(_ body: [UInt8]) throws -> JSONValue {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes: body) } catch {
            throw PluginError.malformedStream("response body is not JSON: \(error)")
        }
        if let error = json["error"], !error.isNull {
            throw PluginError.malformedStream("provider error in a 200 response: \(error["message"]?.stringValue ?? error.jsonString)")
        }
        guard let choice = json["choices"]?.arrayValue?.first else {
            throw PluginError.malformedStream("response has no choices")
        }
        let message = choice["message"] ?? .object([:])
        var calls: [JSONValue] = []
        for call in message["tool_calls"]?.arrayValue ?? [] {
            let function = call["function"] ?? call["custom"] ?? .object([:])
            calls.append([
                "id": call["id"] ?? .string(""),
                "name": function["name"] ?? .string(""),
                "arguments": function["arguments"] ?? function["input"] ?? .string(""),
            ])
        }
        let raw = choice["finish_reason"]?.stringValue ?? ""
        // Content as a string, or as parts (Mistral: text and thinking parts); a refusal is
        // the answer's text, as in a stream.
        var text = message["content"]?.stringValue ?? ""
        var reasoning = (message["reasoning_content"] ?? message["reasoning"])?.stringValue ?? ""
        for part in message["content"]?.arrayValue ?? [] {
            switch part["type"]?.stringValue {
            case "text": text += part["text"]?.stringValue ?? ""
            case "thinking": reasoning += (part["thinking"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
            default: break
            }
        }
        text += message["refusal"]?.stringValue ?? ""
        return [
            "text": .string(text),
            "reasoning": .string(reasoning),
            "calls": .array(calls),
            "finish_reason": .string(normalizedFinish(raw)),
            "finish_detail": .string(raw),
            "usage": usage(json["usage"].flatMap { $0.isNull ? nil : $0 } ?? json["x_groq"]?["usage"]),
        ]
    }

    /// `GET /models` → `{"data": [{"id", "context_window"?}]}` (OpenAI, the compatible
    /// servers, Azure's v1 API).
    public static func parseListModels(_ body: [UInt8]) throws -> JSONValue {
        guard let json = try? JSONParser.parse(bytes: body), let data = json["data"]?.arrayValue else {
            throw PluginError.malformedStream("model list is not {\"data\": [...]}")
        }
        return .array(data.compactMap { item in
            guard let id = item["id"]?.stringValue else { return nil }
            var model: JSONObject = ["id": .string(id)]
            if let window = item["context_window"] ?? item["context_length"] { model["context_window"] = window }
            return .object(model)
        })
    }

    /// `{"error": {"message", "type", "code"}}` (or a bare `{"message"}`) → class and message.
    public static func classifyError(status: Int, body: [UInt8]) -> JSONValue {
        let json = try? JSONParser.parse(bytes: body)
        let message = json?["error"]?["message"]?.stringValue ?? json?["message"]?.stringValue
            ?? String(decoding: body.prefix(300), as: UTF8.self)
        let errorClass: String
        switch status {
        case 429: errorClass = "rate_limited"
        case 401, 403: errorClass = "auth_failed"
        default: errorClass = "http_\(status)"
        }
        return ["class": .string(errorClass), "message": .string(message)]
    }

    static func wireMessage(_ message: JSONValue) -> JSONValue {
        // Normalized messages are already in OpenAI's shape; tool-call arguments given as
        // objects are re-encoded as the JSON strings the API expects.
        guard var object = message.objectValue, let calls = object["tool_calls"]?.arrayValue else { return message }
        object["tool_calls"] = .array(calls.map { call in
            guard var c = call.objectValue, var function = c["function"]?.objectValue else { return call }
            if let arguments = function["arguments"], arguments.stringValue == nil {
                function["arguments"] = .string(arguments.jsonString)
            }
            c["function"] = .object(function)
            if c["type"] == nil { c["type"] = "function" }
            return .object(c)
        })
        return .object(object)
    }

    static func wireToolChoice(_ choice: JSONValue) -> JSONValue {
        if let name = choice["name"]?.stringValue {
            return ["type": "function", "function": ["name": .string(name)]]
        }
        return choice
    }

    public static func normalizedFinish(_ raw: String) -> String {
        switch raw {
        case "stop", "length", "tool_calls", "content_filter": return raw
        case "function_call": return "tool_calls"
        case "": return ""
        default: return "other"
        }
    }

    static func usage(_ usage: JSONValue?) -> JSONValue {
        guard let usage, !usage.isNull else { return .null }
        return [
            "input_tokens": usage["prompt_tokens"] ?? .null,
            "output_tokens": usage["completion_tokens"] ?? .null,
            "reasoning_tokens": usage["completion_tokens_details"]?["reasoning_tokens"] ?? .null,
            "cached_input_tokens": usage["prompt_tokens_details"]?["cached_tokens"] ?? .null,
        ]
    }
}
