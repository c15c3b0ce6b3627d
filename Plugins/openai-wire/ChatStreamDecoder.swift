import PluginKit

/// Decodes a Chat Completions SSE stream: `data: {chunk}` events ending with
/// `data: [DONE]`. Role-only chunks and empty deltas emit nothing (they are not tokens).
/// Tool calls are keyed by `index`, falling back to `id` for servers that omit it.
/// Shared by the OpenAI and Azure OpenAI plugins, which speak the same stream.
public final class ChatStreamDecoder: StreamDecoder {
    private var sse = ServerSentEventParser()
    private var tape = JSONTape()
    private var indexByID: [String: Int] = [:]
    private var nextIndex = 0
    private var lastIndex = 0

    public init() {}

    public func decode(_ bytes: UnsafeRawBufferPointer, into events: inout StreamEventSink) throws {
        try sse.feed(bytes) { try handle($0, &events) }
    }

    public func finish(into events: inout StreamEventSink) throws {
        try sse.finish { try handle($0, &events) }
    }

    private func handle(_ event: SSEEvent, _ events: inout StreamEventSink) throws {
        if event.dataBytes.withUnsafeBytes({ bytesEqual($0, "[DONE]") }) {
            events.end()
            return
        }
        // One chunk per token: read the fields straight off the tape, build nothing else.
        do {
            try tape.withDocument(event.dataBytes) { chunk throws(PluginError) in try handle(chunk.root, &events) }
        } catch let error as JSONParseError {
            throw PluginError.malformedStream("stream event is not JSON (\(error)): \(event.data.prefix(120))")
        }
    }

    private func handle(_ chunk: JSONElement, _ events: inout StreamEventSink) throws(PluginError) {
        // Usage first: OpenRouter's error chunk carries the usage of what was generated.
        // Groq reports it in `x_groq.usage` instead of `usage`.
        if let usage = chunk["usage"], !usage.isNull {
            Self.usage(usage, &events)
        } else if let usage = chunk["x_groq"]?["usage"], !usage.isNull {
            Self.usage(usage, &events)
        }
        if let error = chunk["error"], !error.isNull {
            events.error(message: error["message"]?.stringValue ?? error.value.jsonString,
                         code: error["code"]?.stringValue ?? error["code"]?.intValue.map { String($0) } ?? error["type"]?.stringValue ?? "")
            return
        }
        chunk["choices"]?.forEachElement { choice in
            // Only the first choice is measured; n > 1 is not a benchmark setting.
            if let index = choice["index"]?.intValue, index != 0 { return }
            if let delta = choice["delta"] {
                if let reasoning = delta["reasoning_content"] ?? delta["reasoning"] { events.reasoning(reasoning) }
                if let content = delta["content"] { Self.content(content, &events) }
                // A refusal is the model's answer, streamed like text (OpenAI's structured
                // outputs): its tokens count and its first one stops the TTFT clock.
                if let refusal = delta["refusal"] { events.text(refusal) }
                delta["tool_calls"]?.forEachElement { toolCall($0, &events) }
            }
            if let raw = choice["finish_reason"]?.stringValue {
                events.finish(reason: ChatWire.normalizedFinish(raw), raw: raw)
            }
        }
    }

    static func usage(_ usage: JSONElement, _ events: inout StreamEventSink) {
        events.usage(input: usage["prompt_tokens"]?.intValue,
                     output: usage["completion_tokens"]?.intValue,
                     reasoning: usage["completion_tokens_details"]?["reasoning_tokens"]?.intValue,
                     cachedInput: usage["prompt_tokens_details"]?["cached_tokens"]?.intValue)
    }

    /// `delta.content`: a string, or (Mistral's reasoning models) a list of parts, text
    /// parts `{"type":"text","text"}` and thinking parts whose `thinking` is such a list.
    static func content(_ content: JSONElement, _ events: inout StreamEventSink) {
        guard content.isArray else {
            events.text(content)
            return
        }
        content.forEachElement { part in
            switch part["type"]?.stringValue {
            case "text": if let text = part["text"] { events.text(text) }
            case "thinking":
                part["thinking"]?.forEachElement { inner in if let text = inner["text"] { events.reasoning(text) } }
            default: break
            }
        }
    }

    private func toolCall(_ call: JSONElement, _ events: inout StreamEventSink) {
        let id = call["id"]?.stringValue ?? ""
        let index: Int
        if let given = call["index"]?.intValue {
            index = Int(given)
            if !id.isEmpty { indexByID[id] = index }
        } else if !id.isEmpty {
            if let known = indexByID[id] {
                index = known
            } else {
                index = nextIndex
                indexByID[id] = index
            }
        } else {
            index = lastIndex
        }
        nextIndex = max(nextIndex, index + 1)
        lastIndex = index
        let function = call["function"]
        events.toolCall(index: index, id: id, name: function?["name"]?.stringValue ?? "",
                        arguments: function?["arguments"]?.stringValue ?? "")
    }
}
