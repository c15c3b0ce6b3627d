import PluginABI

/// One event decoded from a provider stream, copied out of the plugin's borrowed slices.
public enum DecodedEvent: Sendable, Equatable {
    case text(String)
    case reasoning(String)
    case toolCall(index: Int, id: String, name: String, arguments: String)
    case usage(input: Int?, output: Int?, reasoning: Int?, cachedInput: Int?)
    case finish(reason: String, raw: String)
    case error(message: String, code: String)
    case end

    /// True for events that carry a token: the ones that stop the TTFT clock.
    public var carriesToken: Bool {
        switch self {
        case .text, .reasoning, .toolCall: return true
        default: return false
        }
    }

    init?(_ e: studio_stream_event_t) {
        func count(_ v: Int64) -> Int? { v < 0 ? nil : Int(v) }
        switch Int(e.kind) {
        case Int(STUDIO_EVENT_TEXT): self = .text(e.text.string)
        case Int(STUDIO_EVENT_REASONING): self = .reasoning(e.text.string)
        case Int(STUDIO_EVENT_TOOL_CALL):
            self = .toolCall(index: Int(e.tool_index), id: e.tool_id.string, name: e.tool_name.string, arguments: e.text.string)
        case Int(STUDIO_EVENT_USAGE):
            self = .usage(input: count(e.input_tokens), output: count(e.output_tokens),
                          reasoning: count(e.reasoning_tokens), cachedInput: count(e.cached_input_tokens))
        case Int(STUDIO_EVENT_FINISH): self = .finish(reason: e.text.string, raw: e.detail.string)
        case Int(STUDIO_EVENT_ERROR): self = .error(message: e.text.string, code: e.detail.string)
        case Int(STUDIO_EVENT_END): self = .end
        default: return nil  // a kind from a later minor version: ignored, as the ABI promises
        }
    }
}
