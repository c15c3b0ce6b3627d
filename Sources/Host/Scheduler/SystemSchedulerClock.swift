import HostStorage

public struct SystemSchedulerClock: SchedulerClock {
    public init() {}
    public func now() -> Int64 { Clock.milliseconds() }
    public func sleep(until: Int64) async throws {
        let wait = until - now()
        if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait) * 1_000_000) }
    }
}
