import PluginKit

/// Decodes a Chat Completions SSE stream: `data: {chunk}` events ending with
/// `data: [DONE]`. Role-only chunks and empty deltas emit nothing (they are not tokens).
/// Tool calls are keyed by `index`, falling back to `id` for servers that omit it.
final class OpenAIStreamDecoder: StreamDecoder {
    private var sse = ServerSentEventParser()
    private var indexByID: [String: Int] = [:]
    private var nextIndex = 0
    private var lastIndex = 0

    func decode(_ bytes: UnsafeRawBufferPointer, into events: inout StreamEventSink) throws {
        try sse.feed(bytes) { try handle($0, &events) }
    }

    func finish(into events: inout StreamEventSink) throws {
        try sse.finish { try handle($0, &events) }
    }

    private func handle(_ event: SSEEvent, _ events: inout StreamEventSink) throws {
        if event.data == "[DONE]" {
            events.end()
            return
        }
        let chunk: JSONValue
        do { chunk = try JSONParser.parse(event.data) } catch {
            throw PluginError.malformedStream("stream event is not JSON (\(error)): \(event.data.prefix(120))")
        }
        if let error = chunk["error"], !error.isNull {
            events.error(message: error["message"]?.stringValue ?? error.jsonString,
                         code: error["code"]?.stringValue ?? error["type"]?.stringValue ?? "")
            return
        }
        for choice in chunk["choices"]?.arrayValue ?? [] {
            // Only the first choice is measured; n > 1 is not a benchmark setting.
            if let index = choice["index"]?.intValue, index != 0 { continue }
            if let delta = choice["delta"] {
                if let reasoning = (delta["reasoning_content"] ?? delta["reasoning"])?.stringValue {
                    events.reasoning(reasoning)
                }
                if let content = delta["content"]?.stringValue { events.text(content) }
                for call in delta["tool_calls"]?.arrayValue ?? [] { toolCall(call, &events) }
            }
            if let raw = choice["finish_reason"]?.stringValue {
                events.finish(reason: OpenAIProvider.normalizedFinish(raw), raw: raw)
            }
        }
        if let usage = chunk["usage"], !usage.isNull {
            events.usage(input: usage["prompt_tokens"]?.intValue,
                         output: usage["completion_tokens"]?.intValue,
                         reasoning: usage["completion_tokens_details"]?["reasoning_tokens"]?.intValue,
                         cachedInput: usage["prompt_tokens_details"]?["cached_tokens"]?.intValue)
        }
    }

    private func toolCall(_ call: JSONValue, _ events: inout StreamEventSink) {
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
        let function = call["function"] ?? .object([:])
        events.toolCall(index: index, id: id, name: function["name"]?.stringValue ?? "",
                        arguments: function["arguments"]?.stringValue ?? "")
    }
}
