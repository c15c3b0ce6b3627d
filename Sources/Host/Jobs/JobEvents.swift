import HostMeasurement
import HostStorage
import StudioJSON
import Synchronization

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

/// In-process fan-out of job events to the SSE clients of this instance. The database is
/// the durable copy (written first); the hub only saves followers a query per event.
/// Followers of a job running on another instance find its events by polling the
/// database, so the hub is an accelerator, never the source of truth.
public final class JobEventHub: Sendable {
    public typealias Listener = @Sendable (JobEvent) -> Void
    private let listeners = Mutex<[String: [Int: Listener]]>([:])
    private let nextToken = Atomic<Int>(1)

    public init() {}

    /// Calls `listener` for every event published for `jobID` until `unsubscribe`.
    public func subscribe(jobID: String, _ listener: @escaping Listener) -> Int {
        let token = nextToken.wrappingAdd(1, ordering: .relaxed).oldValue
        listeners.withLock { $0[jobID, default: [:]][token] = listener }
        return token
    }

    public func unsubscribe(jobID: String, token: Int) {
        listeners.withLock { all in
            all[jobID]?[token] = nil
            if all[jobID]?.isEmpty == true { all[jobID] = nil }
        }
    }

    public func publish(jobID: String, _ event: JobEvent) {
        let targets = listeners.withLock { Array(($0[jobID] ?? [:]).values) }
        for listener in targets { listener(event) }
    }

    /// Another instance stored new events for `jobID`: followers read the database now.
    public func poke(jobID: String) {
        publish(jobID: jobID, JobEvent(seq: 0, name: "", data: ""))
    }

    public var followerCount: Int { listeners.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}

/// Writes a job's events: stored first (so a reconnecting client finds them), then
/// published. Sequence numbers increase by one from the job's last stored event, and
/// events are stored and published in that order even when emitted concurrently (judge
/// verdicts are): each write waits for the one before it, since an actor alone would let
/// a later event overtake an earlier one across the store's suspension.
public actor JobEventWriter {
    public let jobID: String
    let store: JobStore
    let hub: JobEventHub
    let instance: String
    private var seq: Int
    private var tail: Task<Void, any Error>?

    public init(jobID: String, store: JobStore, hub: JobEventHub, instance: String, lastSeq: Int) {
        self.jobID = jobID
        self.store = store
        self.hub = hub
        self.instance = instance
        self.seq = lastSeq
    }

    @discardableResult
    public func emit(_ name: String, _ data: JSONValue) async throws -> Int {
        let receivedAt = MonotonicClock.now()
        seq += 1
        let event = JobEvent(seq: seq, name: name, data: data.jsonString, receivedAt: receivedAt)
        let (previous, store, hub, jobID, instance) = (tail, store, hub, jobID, instance)
        let write = Task {
            _ = await previous?.result
            try await store.appendEvent(jobID: jobID, seq: event.seq, event: name, data: event.data)
            hub.publish(jobID: jobID, event)
            try? await store.announce(jobID: jobID, from: instance)  // followers on other instances
        }
        tail = write
        try await write.value
        return event.seq
    }
}
