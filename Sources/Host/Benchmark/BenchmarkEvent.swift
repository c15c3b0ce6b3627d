import HostTransport

/// Progress of a benchmark as it happens (docs/api.md event names).
public enum BenchmarkEvent: Sendable {
    case progress(done: Int, total: Int, targetID: String, tier: Int, run: Int)
    case result(RunResult)
    case skipped(targetID: String, tier: Int, reason: String)
    case complete([TierAggregate])
    case cancelled([TierAggregate])
}
