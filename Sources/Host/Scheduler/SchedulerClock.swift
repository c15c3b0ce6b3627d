/// Where the scheduler's time comes from: the system clock in the server, a clock the
/// test moves by hand in tests (so a day of schedules runs in milliseconds).
public protocol SchedulerClock: Sendable {
    /// Unix milliseconds.
    func now() -> Int64
    /// Returns at `until` (Unix ms) or later; throws when the task is cancelled.
    func sleep(until: Int64) async throws
}
