import HostMeasurement
import HostStorage
import StudioJSON

/// One progress event of a job, as stored and as sent over SSE.
public struct JobEvent: Sendable, Equatable {
    public let seq: Int
    public let name: String
    /// JSON text.
    public let data: String
    /// MonotonicClock time the host had the event (before storing it); 0 when replayed
    /// from the database. For latency figures only, never sent.
    public let receivedAt: UInt64

    public init(seq: Int, name: String, data: String, receivedAt: UInt64 = 0) {
        self.seq = seq
        self.name = name
        self.data = data
        self.receivedAt = receivedAt
    }

    public static func == (a: JobEvent, b: JobEvent) -> Bool { a.seq == b.seq && a.name == b.name && a.data == b.data }

    init(_ record: JobEventRecord) { self.init(seq: record.seq, name: record.event, data: record.data) }

    /// A poke carries no event: "the database has news for this job".
    public var isPoke: Bool { name.isEmpty }

    /// Events after which nothing more comes.
    public static let terminalNames: Set<String> = ["complete", "cancelled", "error"]
    public var isTerminal: Bool { Self.terminalNames.contains(name) }
}
