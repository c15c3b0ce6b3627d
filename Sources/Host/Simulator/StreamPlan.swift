import StudioJSON

/// One streamed response, as a plan: events before the first token (not tokens), one
/// event per token (text or tool-call fragment), events after the last token.
struct StreamPlan {
    var preamble: [String]
    var tokens: [String]
    var trailer: [String]
    /// The body of the same response when not streamed.
    var whole: JSONValue
}
