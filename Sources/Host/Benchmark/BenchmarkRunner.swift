import HostMeasurement
import HostProviderCalls
import HostTransport
import StudioJSON

/// One measured run of one target at one context tier.
public struct RunResult: Sendable {
    public let targetID: String
    public let providerID: String
    public let model: String
    public let tier: Int
    public let run: Int
    public let metrics: RunMetrics
    public let failure: CallRecord.Failure?
    /// Prompt size the provider reported (usage), beside the requested tier.
    public let promptTokens: Int?
    public let outputCharacters: Int
    public let reads: [ReadRecord]
    public let serverRequestID: String?
    /// MonotonicClock time the request was handed to the connection (reads are after it).
    public var t0: UInt64 = 0

    public var succeeded: Bool { failure == nil }

    public var json: JSONValue {
        let m = metrics
        func num(_ v: Double?) -> JSONValue { v.map(JSONValue.double) ?? .null }
        return [
            "target": .string(targetID), "provider": .string(providerID), "model": .string(model),
            "context_tier": .int(Int64(tier)), "run": .int(Int64(run)), "ok": .bool(succeeded),
            "ttft_ms": num(m.ttftMs), "total_s": .double(m.totalSeconds), "queue_ms": .double(m.queueMs),
            "output_tokens": .int(Int64(m.outputTokens)), "input_tokens": m.inputTokens.map { .int(Int64($0)) } ?? .null,
            "tokens_estimated": .bool(m.tokensEstimated), "tokens_per_second": num(m.tokensPerSecond),
            "output_speed": num(m.outputSpeed), "itl_ms": num(m.itlMs), "input_tps": num(m.inputTPS), "cost": num(m.cost),
            "prompt_tokens": promptTokens.map { .int(Int64($0)) } ?? .null,
            "error_class": failure.map { .string($0.errorClass.description) } ?? .null,
            "error": failure.map { .string($0.message) } ?? .null,
        ]
    }
}

/// Progress of a benchmark as it happens (docs/api.md event names).
public enum BenchmarkEvent: Sendable {
    case progress(done: Int, total: Int, targetID: String, tier: Int, run: Int)
    case result(RunResult)
    case skipped(targetID: String, tier: Int, reason: String)
    case complete([TierAggregate])
    case cancelled([TierAggregate])
}

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

/// Aggregates per (target, tier) over successful runs: the one function every view uses.
public struct TierAggregate: Sendable {
    public let targetID: String
    public let providerID: String
    public let model: String
    public let tier: Int
    public let ok: Int
    public let failed: Int
    public let ttft: MetricSummary?
    public let outputSpeed: MetricSummary?
    public let itl: MetricSummary?
    public let tokensPerSecond: MetricSummary?
    public let totalSeconds: MetricSummary?
    public let outputTokens: MetricSummary?
    public let cost: MetricSummary?
    public let confidence: Confidence?
    public let errorClasses: [String: Int]

    /// One run as the statistics see it: from a live RunResult or a stored row alike.
    public struct Input: Sendable {
        public var targetID: String
        public var providerID: String
        public var model: String
        public var tier: Int
        public var ok: Bool
        public var ttftMs: Double?
        public var outputSpeed: Double?
        public var itlMs: Double?
        public var tokensPerSecond: Double?
        public var totalSeconds: Double?
        public var outputTokens: Double?
        public var cost: Double?
        public var errorClass: String?

        public init(targetID: String, providerID: String, model: String, tier: Int, ok: Bool, ttftMs: Double?,
                    outputSpeed: Double?, itlMs: Double?, tokensPerSecond: Double?, totalSeconds: Double?,
                    outputTokens: Double?, cost: Double?, errorClass: String?) {
            self.targetID = targetID
            self.providerID = providerID
            self.model = model
            self.tier = tier
            self.ok = ok
            self.ttftMs = ttftMs
            self.outputSpeed = outputSpeed
            self.itlMs = itlMs
            self.tokensPerSecond = tokensPerSecond
            self.totalSeconds = totalSeconds
            self.outputTokens = outputTokens
            self.cost = cost
            self.errorClass = errorClass
        }

        public init(_ r: RunResult) {
            let m = r.metrics
            self.init(targetID: r.targetID, providerID: r.providerID, model: r.model, tier: r.tier, ok: r.succeeded,
                      ttftMs: m.ttftMs, outputSpeed: m.outputSpeed, itlMs: m.itlMs, tokensPerSecond: m.tokensPerSecond,
                      totalSeconds: m.totalSeconds, outputTokens: Double(m.outputTokens), cost: m.cost,
                      errorClass: r.failure?.errorClass.description)
        }
    }

    public static func compute(_ results: [RunResult], plan: BenchmarkPlan) -> [TierAggregate] {
        compute(results.map(Input.init), order: plan.targets.flatMap { t in plan.contextTiers.map { (t.id, $0) } })
    }

    /// Aggregates per (target, tier) in `order` (default: first appearance).
    public static func compute(_ inputs: [Input], order: [(String, Int)]? = nil) -> [TierAggregate] {
        var keys: [(String, Int)] = order ?? []
        if order == nil {
            var seen = Set<String>()
            for input in inputs where seen.insert("\(input.targetID)\u{0}\(input.tier)").inserted { keys.append((input.targetID, input.tier)) }
        }
        var aggregates: [TierAggregate] = []
        for (target, tier) in keys {
            let runs = inputs.filter { $0.targetID == target && $0.tier == tier }
            guard let first = runs.first else { continue }
            let ok = runs.filter(\.ok)
            var classes: [String: Int] = [:]
            for run in runs where !run.ok { classes[run.errorClass ?? "unknown", default: 0] += 1 }
            let ttft = MetricSummary(ok.compactMap(\.ttftMs))
            let speed = MetricSummary(ok.compactMap(\.outputSpeed))
            aggregates.append(TierAggregate(
                targetID: target, providerID: first.providerID, model: first.model, tier: tier,
                ok: ok.count, failed: runs.count - ok.count, ttft: ttft, outputSpeed: speed,
                itl: MetricSummary(ok.compactMap(\.itlMs)), tokensPerSecond: MetricSummary(ok.compactMap(\.tokensPerSecond)),
                totalSeconds: MetricSummary(ok.compactMap(\.totalSeconds)), outputTokens: MetricSummary(ok.compactMap(\.outputTokens)),
                cost: MetricSummary(ok.compactMap(\.cost)), confidence: Confidence.of(ttft: ttft, outputSpeed: speed),
                errorClasses: classes))
        }
        return aggregates
    }

    public var json: JSONValue {
        func summary(_ s: MetricSummary?) -> JSONValue {
            guard let s else { return .null }
            return ["count": .int(Int64(s.count)), "mean": .double(s.mean), "median": .double(s.median), "min": .double(s.min),
                    "max": .double(s.max), "stdev": s.stdev.map(JSONValue.double) ?? .null,
                    "cv_percent": s.cvPercent.map(JSONValue.double) ?? .null, "p50": .double(s.p50), "p90": .double(s.p90),
                    "p95": .double(s.p95), "p99": .double(s.p99), "outliers": .array(s.outliers.map(JSONValue.double))]
        }
        return [
            "target": .string(targetID), "provider": .string(providerID), "model": .string(model),
            "context_tier": .int(Int64(tier)), "ok": .int(Int64(ok)), "failed": .int(Int64(failed)),
            "ttft_ms": summary(ttft), "output_speed": summary(outputSpeed), "itl_ms": summary(itl),
            "tokens_per_second": summary(tokensPerSecond), "total_s": summary(totalSeconds),
            "output_tokens": summary(outputTokens), "cost": summary(cost),
            "confidence": confidence.map { .string($0.rawValue) } ?? .null,
            "errors": .object(JSONObject(errorClasses.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
        ]
    }
}
