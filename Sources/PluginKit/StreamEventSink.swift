import PluginABI
import StudioJSON

/// Hands decoded stream events to the host as C structs, one call each, on the hot path.
/// Strings are passed as borrowed slices of the Swift strings (no copies).
/// Rule kept here for every decoder: empty text is never emitted, because the host stops
/// the TTFT clock on the first event that carries a token.
public struct StreamEventSink {
    let emit: studio_emit_fn
    let emitData: UnsafeMutableRawPointer?
    /// Events emitted through this sink so far (the host counts them per read too).
    public private(set) var emitted = 0

    init(emit: studio_emit_fn, emitData: UnsafeMutableRawPointer?) {
        self.emit = emit
        self.emitData = emitData
    }

    public mutating func text(_ text: String) {
        guard !text.isEmpty else { return }
        send(studio_event_kind_t(STUDIO_EVENT_TEXT), text: text)
    }

    public mutating func reasoning(_ text: String) {
        guard !text.isEmpty else { return }
        send(studio_event_kind_t(STUDIO_EVENT_REASONING), text: text)
    }

    /// Text straight from a JSON string of a stream chunk: passed on without building a
    /// String when it has no escapes (the common case, once per token). Non-strings are ignored.
    public mutating func text(_ element: JSONElement) { emitString(element, studio_event_kind_t(STUDIO_EVENT_TEXT)) }

    public mutating func reasoning(_ element: JSONElement) { emitString(element, studio_event_kind_t(STUDIO_EVENT_REASONING)) }

    private mutating func emitString(_ element: JSONElement, _ kind: studio_event_kind_t) {
        if let bytes = element.unescapedStringBytes {
            guard !bytes.isEmpty else { return }
            send(kind, textBytes: bytes)
        } else if let text = element.stringValue, !text.isEmpty {
            send(kind, text: text)
        }
    }

    /// A tool-call fragment: `id` and `name` on the call's first fragment.
    public mutating func toolCall(index: Int, id: String = "", name: String = "", arguments: String = "") {
        guard !(id.isEmpty && name.isEmpty && arguments.isEmpty) else { return }
        send(studio_event_kind_t(STUDIO_EVENT_TOOL_CALL), text: arguments, toolIndex: Int32(clamping: index), toolID: id, toolName: name)
    }

    public mutating func usage(input: Int64? = nil, output: Int64? = nil, reasoning: Int64? = nil, cachedInput: Int64? = nil) {
        send(studio_event_kind_t(STUDIO_EVENT_USAGE), usage: (input ?? -1, output ?? -1, reasoning ?? -1, cachedInput ?? -1))
    }

    /// `reason`: stop, length, tool_calls, content_filter or other; `raw`: the provider's word.
    public mutating func finish(reason: String, raw: String) {
        send(studio_event_kind_t(STUDIO_EVENT_FINISH), text: reason, detail: raw)
    }

    public mutating func error(message: String, code: String = "") {
        send(studio_event_kind_t(STUDIO_EVENT_ERROR), text: message, detail: code)
    }

    public mutating func end() {
        send(studio_event_kind_t(STUDIO_EVENT_END))
    }

    private mutating func send(_ kind: studio_event_kind_t, text: String = "", detail: String = "",
                               toolIndex: Int32 = -1, toolID: String = "", toolName: String = "",
                               usage: (Int64, Int64, Int64, Int64) = (-1, -1, -1, -1)) {
        var text = text
        text.withUTF8 { send(kind, textBytes: $0, detail: detail, toolIndex: toolIndex, toolID: toolID, toolName: toolName, usage: usage) }
    }

    /// The one place an event struct is built: strings as borrowed UTF-8 slices.
    private mutating func send(_ kind: studio_event_kind_t, textBytes t: UnsafeBufferPointer<UInt8>, detail: String = "",
                               toolIndex: Int32 = -1, toolID: String = "", toolName: String = "",
                               usage: (Int64, Int64, Int64, Int64) = (-1, -1, -1, -1)) {
        emitted += 1
        var detail = detail, toolID = toolID, toolName = toolName
        detail.withUTF8 { d in
            toolID.withUTF8 { i in
                toolName.withUTF8 { n in
                    var event = studio_stream_event_t(
                        struct_size: UInt32(MemoryLayout<studio_stream_event_t>.size),
                        kind: kind,
                        text: studio_str_t(slice: t), detail: studio_str_t(slice: d),
                        tool_index: toolIndex,
                        tool_id: studio_str_t(slice: i), tool_name: studio_str_t(slice: n),
                        input_tokens: usage.0, output_tokens: usage.1,
                        reasoning_tokens: usage.2, cached_input_tokens: usage.3)
                    emit(emitData, &event)
                }
            }
        }
    }
}

extension studio_str_t {
    init(slice: UnsafeBufferPointer<UInt8>) {
        self.init(data: slice.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                  len: slice.count)
    }

    /// Copies the borrowed bytes into a String (invalid UTF-8 repaired with U+FFFD).
    var string: String {
        guard let data, len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: len), as: UTF8.self)
    }

    var bytes: [UInt8] {
        guard let data, len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: len))
    }

    /// Parses the borrowed bytes as JSON.
    func json() throws -> JSONValue {
        guard let data, len > 0 else { throw PluginError.invalidInput("empty JSON input") }
        do {
            return try JSONParser.parse(UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: len))
        } catch {
            throw PluginError.invalidInput("input is not valid JSON: \(error)")
        }
    }
}
