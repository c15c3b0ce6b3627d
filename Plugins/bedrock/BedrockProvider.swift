// Provider adapter for AWS Bedrock's Converse API: POST /model/{modelId}/converse-stream
// (binary event stream) and /converse (JSON). Wire format: docs/wire-formats.md ("AWS
// Bedrock"). Signing is the host's: the manifest's auth style `aws-sigv4` has the host
// sign each request with SigV4 (access key, secret, optional session token; the region
// from the endpoint's host name) or send a Bedrock API key as a bearer. The plugin sees
// neither keys nor clocks.

import AWSEventStream
import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: BedrockProvider.manifest, provider: BedrockProvider.self)
}

public struct BedrockProvider: ProviderAdapter {
    /// The runtime endpoint, e.g. https://bedrock-runtime.us-east-1.amazonaws.com.
    let baseURL: String

    public init(config: JSONValue) throws {
        baseURL = try ProviderConfig.baseURL(config, default: "https://bedrock-runtime.us-east-1.amazonaws.com")
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
        var body: JSONObject = ["messages": .array(wire)]
        if !system.isEmpty { body["system"] = .array(system.map { ["text": .string($0)] }) }
        var inference = JSONObject()
        var extra = JSONObject()
        for (key, value) in request["params"]?.objectValue ?? JSONObject() {
            switch key {
            case "max_tokens": inference["maxTokens"] = value
            case "temperature": inference["temperature"] = value
            case "top_p": inference["topP"] = value
            case "stop": inference["stopSequences"] = value.arrayValue.map(JSONValue.array) ?? .array([value])
            // Anything else is the model's own (top_k for Anthropic and others, thinking, …).
            default: extra[key] = value
            }
        }
        if !inference.isEmpty { body["inferenceConfig"] = .object(inference) }
        if !extra.isEmpty { body["additionalModelRequestFields"] = .object(extra) }
        if let tools = request["tools"]?.arrayValue, !tools.isEmpty {
            var config: JSONObject = ["tools": .array(tools.map { tool in
                let f = tool["function"] ?? tool
                var spec: JSONObject = ["name": f["name"] ?? "", "inputSchema": ["json": f["parameters"] ?? ["type": "object"]]]
                if let description = f["description"] { spec["description"] = description }
                return ["toolSpec": .object(spec)]
            })]
            if let choice = request["tool_choice"] {
                if let name = choice["name"] {
                    config["toolChoice"] = ["tool": ["name": name]]
                } else if choice.stringValue == "required" {
                    config["toolChoice"] = ["any": [:]]
                } else if choice.stringValue == "auto" {
                    config["toolChoice"] = ["auto": [:]]
                }  // "none": Converse has no such choice; the tools stay, unforced
            }
            body["toolConfig"] = .object(config)
        }
        return HTTPRequestSpec(
            method: "POST", url: baseURL + "/model/\(Self.pathSegment(model))/" + (stream ? "converse-stream" : "converse"),
            headers: [("Content-Type", "application/json"),
                      ("Accept", stream ? "application/vnd.amazon.eventstream" : "application/json")],
            body: JSONValue.object(body).jsonString)
    }

    /// A model id (or inference profile ARN: `arn:aws:bedrock:…:inference-profile/…`) as
    /// one path segment: everything but unreserved characters percent-encoded.
    static func pathSegment(_ id: String) -> String {
        var out = ""
        for byte in id.utf8 {
            if (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let digits = Array("0123456789ABCDEF")
                out += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
            }
        }
        return out
    }

    public func makeStreamDecoder(for request: JSONValue) throws -> any StreamDecoder { BedrockStreamDecoder() }

    public func parseResponse(_ body: [UInt8]) throws -> JSONValue {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes: body) } catch {
            throw PluginError.malformedStream("response body is not JSON: \(error)")
        }
        guard let message = json["output"]?["message"] else {
            throw PluginError.malformedStream("response has no output.message: \(json["message"]?.stringValue ?? String(json.jsonString.prefix(200)))")
        }
        var text = "", reasoning = ""
        var calls: [JSONValue] = []
        for block in message["content"]?.arrayValue ?? [] {
            if let t = block["text"]?.stringValue { text += t }
            if let r = block["reasoningContent"]?["reasoningText"]?["text"]?.stringValue { reasoning += r }
            if let use = block["toolUse"] {
                calls.append(["id": use["toolUseId"] ?? "", "name": use["name"] ?? "",
                              "arguments": .string((use["input"] ?? .object([:])).jsonString)])
            }
        }
        let raw = json["stopReason"]?.stringValue ?? ""
        let usage = json["usage"]
        return [
            "text": .string(text), "reasoning": .string(reasoning), "calls": .array(calls),
            "finish_reason": .string(Self.normalizedFinish(raw)), "finish_detail": .string(raw),
            "usage": usage.map { ["input_tokens": $0["inputTokens"] ?? .null, "output_tokens": $0["outputTokens"] ?? .null,
                                  "cached_input_tokens": $0["cacheReadInputTokens"] ?? .null] } ?? .null,
        ]
    }

    /// Foundation models live on the control-plane host (`bedrock.`, not `bedrock-runtime.`).
    public func buildListModelsRequest() throws -> HTTPRequestSpec {
        HTTPRequestSpec(method: "GET", url: baseURL.replacing("://bedrock-runtime.", with: "://bedrock.") + "/foundation-models",
                        headers: [("Accept", "application/json")])
    }

    public func parseListModels(_ body: [UInt8]) throws -> JSONValue {
        guard let json = try? JSONParser.parse(bytes: body), let models = json["modelSummaries"]?.arrayValue else {
            throw PluginError.malformedStream("model list is not {\"modelSummaries\": [...]}")
        }
        return .array(models.compactMap { item in
            guard let id = item["modelId"]?.stringValue else { return nil }
            // Only models that produce text and can be called on demand.
            if let outputs = item["outputModalities"]?.arrayValue, !outputs.contains("TEXT") { return nil }
            var model: JSONObject = ["id": .string(id)]
            if let name = item["modelName"]?.stringValue {
                model["display_name"] = .string([item["providerName"]?.stringValue, name].compactMap { $0 }.joined(separator: " "))
            }
            return .object(model)
        })
    }

    /// `{"message": "..."}` (`Message` in some services); the type is in the status.
    public func classifyError(status: Int, body: [UInt8]) -> JSONValue {
        let json = try? JSONParser.parse(bytes: body)
        let message = (json?["message"] ?? json?["Message"])?.stringValue ?? String(decoding: body.prefix(300), as: UTF8.self)
        let errorClass: String
        switch status {
        case 429: errorClass = "rate_limited"  // ThrottlingException
        case 401, 403: errorClass = "auth_failed"  // AccessDeniedException, UnrecognizedClientException, signature errors
        default: errorClass = "http_\(status)"
        }
        return ["class": .string(errorClass), "message": .string(message)]
    }

    // MARK: - Wire helpers

    /// Normalized (OpenAI-shaped) messages → Converse's: system prompts lifted out, content
    /// as blocks, tool calls as `toolUse` blocks (input an object), tool results as
    /// `toolResult` blocks in a user message (consecutive results share one).
    static func wireMessages(_ messages: [JSONValue]) throws -> ([String], [JSONValue]) {
        var system: [String] = []
        var out: [JSONValue] = []
        var results: [JSONValue] = []
        func flush() {
            if !results.isEmpty { out.append(["role": "user", "content": .array(results)]); results = [] }
        }
        for (i, message) in messages.enumerated() {
            let role = message["role"]?.stringValue ?? ""
            let content = message["content"]?.stringValue ?? ""
            switch role {
            case "system": system.append(content)
            case "tool":
                results.append(["toolResult": ["toolUseId": message["tool_call_id"] ?? "", "content": [["text": .string(content)]]]])
            case "user":
                flush()
                out.append(["role": "user", "content": [["text": .string(content)]]])
            case "assistant":
                flush()
                var blocks: [JSONValue] = content.isEmpty ? [] : [["text": .string(content)]]
                for call in message["tool_calls"]?.arrayValue ?? [] {
                    let f = call["function"] ?? .object([:])
                    var input = f["arguments"] ?? .object([:])
                    if let text = input.stringValue { input = (try? JSONParser.parse(text)) ?? .object([:]) }
                    blocks.append(["toolUse": ["toolUseId": call["id"] ?? "", "name": f["name"] ?? "", "input": input]])
                }
                out.append(["role": "assistant", "content": .array(blocks)])
            default:
                throw PluginError.invalidInput("messages[\(i)].role \"\(role)\" is not system, user, assistant or tool")
            }
        }
        flush()
        return (system, out)
    }

    static func normalizedFinish(_ raw: String) -> String {
        switch raw {
        case "end_turn", "stop_sequence": return "stop"
        case "max_tokens", "model_context_window_exceeded": return "length"
        case "tool_use": return "tool_calls"
        case "guardrail_intervened", "content_filtered": return "content_filter"
        case "": return ""
        default: return "other"
        }
    }
}

/// Decodes the ConverseStream event stream: each message's `:event-type` header names it
/// and its payload is JSON. Text, reasoning and tool-input deltas are tokens, and a tool
/// block's start (its name); messageStart and the stops are not. An `exception` message is
/// Bedrock's mid-stream error (throttling, model stream errors).
final class BedrockStreamDecoder: StreamDecoder {
    private var frames = EventStreamDecoder()
    private var ended = false

    func decode(_ bytes: UnsafeRawBufferPointer, into events: inout StreamEventSink) throws {
        do {
            try frames.feed(bytes) { try handle($0, &events) }
        } catch let error as EventStreamError {
            throw PluginError.malformedStream(error.description)
        }
    }

    func finish(into events: inout StreamEventSink) throws {
        if frames.bufferedBytes > 0 {
            throw PluginError.malformedStream("the stream ended inside an event-stream message (\(frames.bufferedBytes) bytes)")
        }
        if !ended { ended = true; events.end() }
    }

    private func handle(_ message: EventStreamMessage, _ events: inout StreamEventSink) throws {
        let payload: JSONValue
        do { payload = message.payload.isEmpty ? .object([:]) : try JSONParser.parse(bytes: message.payload) } catch {
            throw PluginError.malformedStream("event payload is not JSON (\(error))")
        }
        let messageType = message.headers[":message-type"] ?? "event"
        if messageType != "event" {
            // exception (or error): the message in the payload, the type in a header.
            let code = message.headers[":exception-type"] ?? message.headers[":error-code"] ?? messageType
            events.error(message: (payload["message"] ?? payload["Message"])?.stringValue ?? message.headers[":error-message"] ?? code, code: code)
            return
        }
        let index = Int(payload["contentBlockIndex"]?.intValue ?? 0)
        switch message.headers[":event-type"] ?? "" {
        case "contentBlockStart":
            if let use = payload["start"]?["toolUse"] {
                events.toolCall(index: index, id: use["toolUseId"]?.stringValue ?? "", name: use["name"]?.stringValue ?? "")
            }
        case "contentBlockDelta":
            let delta = payload["delta"]
            if let text = delta?["text"]?.stringValue { events.text(text) }
            if let reasoning = delta?["reasoningContent"]?["text"]?.stringValue { events.reasoning(reasoning) }
            if let input = delta?["toolUse"]?["input"]?.stringValue { events.toolCall(index: index, arguments: input) }
        case "messageStop":
            let raw = payload["stopReason"]?.stringValue ?? ""
            events.finish(reason: BedrockProvider.normalizedFinish(raw), raw: raw)
        case "metadata":
            // Sent last, after messageStop: the usage (and Bedrock's own latency figure,
            // which the host does not need: it has its own clock).
            let usage = payload["usage"]
            events.usage(input: usage?["inputTokens"]?.intValue, output: usage?["outputTokens"]?.intValue,
                         cachedInput: usage?["cacheReadInputTokens"]?.intValue)
        default:
            break  // messageStart, contentBlockStop
        }
    }
}
