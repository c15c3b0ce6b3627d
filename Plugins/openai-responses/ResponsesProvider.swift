// Provider adapter for the OpenAI Responses API, POST /v1/responses.
// Wire format: docs/wire-formats.md ("OpenAI Responses API"): typed SSE events
// (`response.output_text.delta`, `response.function_call_arguments.delta`, …) ending in
// `response.completed`, `response.incomplete` or `response.failed`, whose `response`
// carries the status and the usage (with reasoning tokens).

import OpenAIWire
import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: ResponsesProvider.manifest, provider: ResponsesProvider.self)
}

public struct ResponsesProvider: ProviderAdapter {
    let baseURL: String

    public init(config: JSONValue) throws {
        baseURL = try ProviderConfig.baseURL(config, default: "https://api.openai.com/v1")
    }

    public func buildRequest(_ request: JSONValue) throws -> HTTPRequestSpec {
        guard let model = request["model"]?.stringValue, !model.isEmpty else {
            throw PluginError.invalidInput("request.model is required")
        }
        guard let messages = request["messages"]?.arrayValue, !messages.isEmpty else {
            throw PluginError.invalidInput("request.messages must be a non-empty array")
        }
        let stream = request["stream"]?.boolValue ?? true
        let (instructions, input) = try Self.wireInput(messages)
        // A benchmark's responses are not kept on OpenAI's side (the API stores them by default).
        var body: JSONObject = ["model": .string(model), "input": .array(input), "stream": .bool(stream), "store": false]
        if !instructions.isEmpty { body["instructions"] = .string(instructions) }
        for (key, value) in request["params"]?.objectValue ?? JSONObject() {
            switch key {
            case "max_tokens", "max_completion_tokens": body["max_output_tokens"] = value
            case "reasoning_effort":
                var reasoning = body["reasoning"]?.objectValue ?? JSONObject()
                reasoning["effort"] = value
                body["reasoning"] = .object(reasoning)
            case "reasoning_summary":
                var reasoning = body["reasoning"]?.objectValue ?? JSONObject()
                reasoning["summary"] = value
                body["reasoning"] = .object(reasoning)
            default: body[key] = value
            }
        }
        if let tools = request["tools"]?.arrayValue, !tools.isEmpty {
            // Responses tools are flat: {"type":"function","name","description","parameters"}.
            body["tools"] = .array(tools.map { tool in
                let f = tool["function"] ?? tool
                var out: JSONObject = ["type": "function", "name": f["name"] ?? "", "parameters": f["parameters"] ?? ["type": "object"]]
                if let description = f["description"] { out["description"] = description }
                if let strict = f["strict"] { out["strict"] = strict }
                return .object(out)
            })
            if let choice = request["tool_choice"] {
                body["tool_choice"] = choice["name"].map { ["type": "function", "name": $0] } ?? choice
            }
        }
        return HTTPRequestSpec(
            method: "POST", url: baseURL + "/responses",
            headers: [("Content-Type", "application/json"), ("Accept", stream ? "text/event-stream" : "application/json")],
            body: JSONValue.object(body).jsonString)
    }

    public func makeStreamDecoder(for request: JSONValue) throws -> any StreamDecoder { ResponsesStreamDecoder() }

    /// A whole response: `output` items (message parts, reasoning summaries, function calls),
    /// `status`, `incomplete_details`, `usage`.
    public func parseResponse(_ body: [UInt8]) throws -> JSONValue {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes: body) } catch {
            throw PluginError.malformedStream("response body is not JSON: \(error)")
        }
        if let error = json["error"], !error.isNull {
            throw PluginError.malformedStream("provider error in a 200 response: \(error["message"]?.stringValue ?? error.jsonString)")
        }
        var text = "", reasoning = ""
        var calls: [JSONValue] = []
        for item in json["output"]?.arrayValue ?? [] {
            switch item["type"]?.stringValue {
            case "message":
                for part in item["content"]?.arrayValue ?? [] {
                    // A refusal is the answer's text, as in a stream.
                    text += (part["text"] ?? part["refusal"])?.stringValue ?? ""
                }
            case "reasoning":
                for part in (item["summary"]?.arrayValue ?? []) + (item["content"]?.arrayValue ?? []) {
                    reasoning += part["text"]?.stringValue ?? ""
                }
            case "function_call":
                calls.append(["id": item["call_id"] ?? item["id"] ?? "", "name": item["name"] ?? "",
                              "arguments": .string(item["arguments"]?.stringValue ?? "")])
            default: break
            }
        }
        let (finish, raw) = Self.finish(json, madeCalls: !calls.isEmpty)
        return [
            "text": .string(text), "reasoning": .string(reasoning), "calls": .array(calls),
            "finish_reason": .string(finish), "finish_detail": .string(raw),
            "usage": Self.usage(json["usage"]),
        ]
    }

    public func buildListModelsRequest() throws -> HTTPRequestSpec {
        HTTPRequestSpec(method: "GET", url: baseURL + "/models", headers: [("Accept", "application/json")])
    }

    public func parseListModels(_ body: [UInt8]) throws -> JSONValue { try ChatWire.parseListModels(body) }

    public func classifyError(status: Int, body: [UInt8]) -> JSONValue { ChatWire.classifyError(status: status, body: body) }

    // MARK: - Wire helpers

    /// Normalized (OpenAI chat-shaped) messages → Responses input items: system prompts
    /// become `instructions`; an assistant's tool calls become `function_call` items and
    /// tool results `function_call_output` items, matched by `call_id`.
    static func wireInput(_ messages: [JSONValue]) throws -> (String, [JSONValue]) {
        var system: [String] = []
        var items: [JSONValue] = []
        for (i, message) in messages.enumerated() {
            let role = message["role"]?.stringValue ?? ""
            let content = message["content"]?.stringValue ?? ""
            switch role {
            case "system", "developer":
                system.append(content)
            case "user":
                items.append(["role": "user", "content": .string(content)])
            case "assistant":
                if !content.isEmpty { items.append(["role": "assistant", "content": .string(content)]) }
                for call in message["tool_calls"]?.arrayValue ?? [] {
                    let f = call["function"] ?? .object([:])
                    let arguments = f["arguments"].map { $0.stringValue ?? $0.jsonString } ?? "{}"
                    items.append(["type": "function_call", "call_id": call["id"] ?? "", "name": f["name"] ?? "",
                                  "arguments": .string(arguments)])
                }
            case "tool":
                items.append(["type": "function_call_output", "call_id": message["tool_call_id"] ?? "", "output": .string(content)])
            default:
                throw PluginError.invalidInput("messages[\(i)].role \"\(role)\" is not system, user, assistant or tool")
            }
        }
        return (system.joined(separator: "\n\n"), items)
    }

    /// The finish, normalized and as the wire says it: `completed` (a stop, or tool calls),
    /// or the reason an `incomplete` response gives (`max_output_tokens`, `content_filter`).
    static func finish(_ response: JSONValue, madeCalls: Bool) -> (String, String) {
        let status = response["status"]?.stringValue ?? ""
        switch status {
        case "completed": return (madeCalls ? "tool_calls" : "stop", status)
        case "incomplete":
            let reason = response["incomplete_details"]?["reason"]?.stringValue ?? status
            switch reason {
            case "max_output_tokens": return ("length", reason)
            case "content_filter": return ("content_filter", reason)
            default: return ("other", reason)
            }
        case "": return ("", "")
        default: return ("other", status)
        }
    }

    static func usage(_ usage: JSONValue?) -> JSONValue {
        guard let usage, !usage.isNull else { return .null }
        return [
            "input_tokens": usage["input_tokens"] ?? .null,
            "output_tokens": usage["output_tokens"] ?? .null,
            "reasoning_tokens": usage["output_tokens_details"]?["reasoning_tokens"] ?? .null,
            "cached_input_tokens": usage["input_tokens_details"]?["cached_tokens"] ?? .null,
        ]
    }
}

/// Decodes the Responses SSE stream. Text, refusal and reasoning deltas and function-call
/// argument deltas are tokens; `response.created`, `in_progress`, part and item bookkeeping
/// are not. A call's index is its order among the response's function calls (output
/// indexes also count messages and reasoning items).
final class ResponsesStreamDecoder: StreamDecoder {
    private var sse = ServerSentEventParser()
    /// item id (or output index) → the call's index, and whether its arguments streamed.
    private var calls: [String: (index: Int, streamed: Bool)] = [:]
    private var ended = false

    func decode(_ bytes: UnsafeRawBufferPointer, into events: inout StreamEventSink) throws {
        try sse.feed(bytes) { try handle($0, &events) }
    }

    func finish(into events: inout StreamEventSink) throws {
        try sse.finish { try handle($0, &events) }
        if !ended { ended = true; events.end() }
    }

    /// The key of a call's events: its item id, or its output index when a server omits it.
    private func key(_ payload: JSONValue, item: JSONValue? = nil) -> String {
        (item?["id"] ?? payload["item_id"])?.stringValue ?? "#\(payload["output_index"]?.intValue ?? -1)"
    }

    private func callIndex(_ key: String) -> Int {
        if let known = calls[key] { return known.index }
        let index = calls.count
        calls[key] = (index, false)
        return index
    }

    private func handle(_ event: SSEEvent, _ events: inout StreamEventSink) throws {
        if event.data == "[DONE]" || event.dataBytes.isEmpty { return }
        let payload: JSONValue
        do { payload = try JSONParser.parse(bytes: event.dataBytes) } catch {
            throw PluginError.malformedStream("stream event is not JSON (\(error)): \(event.data.prefix(120))")
        }
        let type = payload["type"]?.stringValue ?? event.event
        switch type {
        case "response.output_text.delta", "response.refusal.delta":
            events.text(payload["delta"]?.stringValue ?? "")
        case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
            events.reasoning(payload["delta"]?.stringValue ?? "")
        case "response.output_item.added":
            guard let item = payload["item"], item["type"]?.stringValue == "function_call" else { return }
            let index = callIndex(key(payload, item: item))
            events.toolCall(index: index, id: item["call_id"]?.stringValue ?? item["id"]?.stringValue ?? "",
                            name: item["name"]?.stringValue ?? "", arguments: item["arguments"]?.stringValue ?? "")
            if !(item["arguments"]?.stringValue ?? "").isEmpty { calls[key(payload, item: item)]?.streamed = true }
        case "response.function_call_arguments.delta":
            let k = key(payload)
            let index = callIndex(k)
            calls[k]?.streamed = true
            events.toolCall(index: index, arguments: payload["delta"]?.stringValue ?? "")
        case "response.function_call_arguments.done", "response.output_item.done":
            // A server that sends a call's arguments only whole, at its end.
            let item = payload["item"]
            if item != nil && item?["type"]?.stringValue != "function_call" { return }
            let k = key(payload, item: item)
            let index = callIndex(k)
            if calls[k]?.streamed == false, let arguments = (payload["arguments"] ?? item?["arguments"])?.stringValue, !arguments.isEmpty {
                calls[k]?.streamed = true
                events.toolCall(index: index, id: item?["call_id"]?.stringValue ?? "", name: item?["name"]?.stringValue ?? "",
                                arguments: arguments)
            }
        case "response.completed", "response.incomplete", "response.failed":
            let response = payload["response"] ?? .object([:])
            let usage = response["usage"]
            if let usage, !usage.isNull {
                events.usage(input: usage["input_tokens"]?.intValue, output: usage["output_tokens"]?.intValue,
                             reasoning: usage["output_tokens_details"]?["reasoning_tokens"]?.intValue,
                             cachedInput: usage["input_tokens_details"]?["cached_tokens"]?.intValue)
            }
            if type == "response.failed" {
                events.finish(reason: "other", raw: "failed")
                let error = response["error"]
                events.error(message: error?["message"]?.stringValue ?? "the response failed", code: error?["code"]?.stringValue ?? "")
            } else {
                let (finish, raw) = ResponsesProvider.finish(response, madeCalls: !calls.isEmpty)
                events.finish(reason: finish, raw: raw)
            }
            ended = true
            events.end()
        case "error":
            // {"type":"error","code","message"} — or the message nested in "error".
            let error = payload["error"] ?? payload
            events.error(message: error["message"]?.stringValue ?? payload.jsonString,
                         code: error["code"]?.stringValue ?? error["type"]?.stringValue ?? "")
        default:
            break  // response.created, response.in_progress, content_part.*, *.done of text
        }
    }
}
