public struct SSEEvent: Sendable, Equatable {
    public var event: String = ""
    /// The event's data lines joined with LF, as UTF-8 (decoders parse these bytes).
    public var dataBytes: [UInt8] = []
    public var data: String { String(decoding: dataBytes, as: UTF8.self) }

    public init(event: String = "", data: String = "") {
        self.event = event
        self.dataBytes = Array(data.utf8)
    }
}
