import StudioJSON

/// One streamed response, as a plan: events before the first token (not tokens), one
/// event per token (text or tool-call fragment), events after the last token. Events are
/// bytes: most formats are text, Bedrock's event stream is binary.
struct StreamPlan {
    var preamble: [[UInt8]]
    var tokens: [[UInt8]]
    var trailer: [[UInt8]]
    /// The body of the same response when not streamed.
    var whole: JSONValue

    init(preamble: [String], tokens: [String], trailer: [String], whole: JSONValue) {
        self.init(frames: preamble.map { Array($0.utf8) }, tokens: tokens.map { Array($0.utf8) },
                  trailer: trailer.map { Array($0.utf8) }, whole: whole)
    }

    init(frames preamble: [[UInt8]], tokens: [[UInt8]], trailer: [[UInt8]], whole: JSONValue) {
        self.preamble = preamble
        self.tokens = tokens
        self.trailer = trailer
        self.whole = whole
    }
}
