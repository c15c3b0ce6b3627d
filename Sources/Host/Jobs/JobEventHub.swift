import HostMeasurement
import HostStorage
import StudioJSON
import Synchronization

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

