/// One network read of a streamed response, as the transport saw it.
public struct ReadRecord: Sendable, Equatable {
    /// MonotonicClock time the bytes arrived.
    public let at: UInt64
    public let bytes: Int
    /// Events the provider plugin decoded from this read.
    public let events: Int
    /// Of those, events that carry a token (text, reasoning, tool-call fragment).
    public let tokenEvents: Int

    public init(at: UInt64, bytes: Int, events: Int, tokenEvents: Int) {
        self.at = at
        self.bytes = bytes
        self.events = events
        self.tokenEvents = tokenEvents
    }
}
