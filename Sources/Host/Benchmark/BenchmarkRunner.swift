import HostMeasurement
import HostProviderCalls
import HostTransport
import StudioJSON

/// Runs a plan (docs/measurement.md, Execution): targets grouped by provider endpoint, groups in
/// parallel, model → tier → run in order inside a group, a warm-up call per target and
/// tier, cancellation checked between runs (and the in-flight request aborted with the
/// task). Used by the CLI and by server jobs alike.
public struct BenchmarkRunner: Sendable {
    public let transport: Transport

    public init(transport: Transport) { self.transport = transport }

    public func run(_ plan: BenchmarkPlan) -> AsyncStream<BenchmarkEvent> {
        let (stream, continuation) = AsyncStream<BenchmarkEvent>.makeStream(bufferingPolicy: .unbounded)
        let task = Task {
            await execute(plan) { continuation.yield($0) }
            continuation.finish()
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { task.cancel() }
        }
        return stream
    }

    /// Runs the plan in the calling task, handing every event to `emit` (from several
    /// groups at once: `emit` must be safe to call concurrently). Returns only when every
    /// request has ended: cancelling the caller aborts the in-flight requests and still
    /// ends with `.cancelled` and the aggregates of what finished.
    public func execute(_ plan: BenchmarkPlan, emit: @escaping @Sendable (BenchmarkEvent) async -> Void) async {
        let counter = Counter(total: plan.targets.count * plan.contextTiers.count * plan.runs)
        var results: [RunResult] = []
        await withTaskGroup(of: [RunResult].self) { group in
            for targets in Self.groups(plan.targets) {
                group.addTask {
                    await runGroup(targets, plan: plan, counter: counter, emit: emit)
                }
            }
            for await groupResults in group { results += groupResults }
        }
        let aggregates = TierAggregate.compute(results, plan: plan)
        await emit(Task.isCancelled ? .cancelled(aggregates) : .complete(aggregates))
    }

    /// Targets grouped by endpoint, in first-seen order.
    static func groups(_ targets: [BenchmarkTarget]) -> [[BenchmarkTarget]] {
        var order: [String] = []
        var byKey: [String: [BenchmarkTarget]] = [:]
        for target in targets {
            if byKey[target.endpointKey] == nil { order.append(target.endpointKey) }
            byKey[target.endpointKey, default: []].append(target)
        }
        return order.map { byKey[$0]! }
    }

    private func runGroup(_ targets: [BenchmarkTarget], plan: BenchmarkPlan, counter: Counter,
                          emit: @Sendable (BenchmarkEvent) async -> Void) async -> [RunResult] {
        var results: [RunResult] = []
        for target in targets {
            for tier in plan.contextTiers {
                if Task.isCancelled { return results }
                if let reason = plan.skipReason(tier: tier, target: target) {
                    await emit(.skipped(targetID: target.id, tier: tier, reason: reason))
                    _ = await counter.add(plan.runs)
                    continue
                }
                let request = plan.request(for: target, tier: tier)
                if plan.warmup {
                    _ = await ProviderCall.stream(request, to: target.endpoint, transport: transport)  // not recorded
                }
                for run in 1...plan.runs {
                    if Task.isCancelled { return results }
                    let record = await ProviderCall.stream(request, to: target.endpoint, transport: transport)
                    let result = RunResult(
                        targetID: target.id, providerID: target.providerID, model: target.model, tier: tier, run: run,
                        metrics: record.metrics(prices: target.prices), failure: record.failure,
                        promptTokens: record.usageInput, outputCharacters: record.text.count + record.reasoning.count,
                        reads: record.reads, serverRequestID: record.serverRequestID, t0: record.t0)
                    results.append(result)
                    await emit(.result(result))
                    let done = await counter.add(1)
                    await emit(.progress(done: done, total: counter.total, targetID: target.id, tier: tier, run: run))
                }
            }
        }
        return results
    }

    actor Counter {
        let total: Int
        private var done = 0
        init(total: Int) { self.total = total }
        func add(_ n: Int) -> Int { done += n; return done }
    }
}

