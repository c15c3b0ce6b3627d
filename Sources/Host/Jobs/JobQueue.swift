import HostStorage
import StudioJSON
import Synchronization

/// The one way a job is submitted, whoever asks: a route, a schedule firing, an eval that
/// calls for auto-judging. Queues it under the owner's limits (`JobStore.Refusal` when
/// they say no) and wakes this instance's runner.
///
/// The runner is attached once it exists: the executors it runs are built first, and
/// one of them (eval, for auto-judge) submits through this queue.
public final class JobQueue: Sendable {
    public let store: JobStore
    public let limits: JobStore.Limits
    private let runner = Mutex<JobRunner?>(nil)

    public init(store: JobStore, limits: JobStore.Limits) {
        self.store = store
        self.limits = limits
    }

    public func attach(_ runner: JobRunner) {
        self.runner.withLock { $0 = runner }
    }

    /// Queues a job. Without `queue`, a user at their concurrent-job limit is refused
    /// (`.busy`); past the hourly limit every submission is (`.hourlyLimit`).
    public func submit(userID: String, kind: JobKind, request: JSONValue, queue: Bool, scheduleID: String? = nil) async throws -> JobRecord {
        let job = try await store.submit(userID: userID, kind: kind.rawValue, request: request.jsonString, queue: queue,
                                         scheduleID: scheduleID, defaults: limits)
        runner.withLock { $0 }?.nudge()
        return job
    }
}
