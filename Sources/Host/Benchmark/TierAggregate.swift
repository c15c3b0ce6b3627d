import HostMeasurement
import HostProviderCalls
import HostTransport
import StudioJSON

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
    /// Over the runs whose provider said how many output tokens were reasoning.
    public let reasoningTokens: MetricSummary?
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
        public var reasoningTokens: Double?
        public var cost: Double?
        public var errorClass: String?

        public init(targetID: String, providerID: String, model: String, tier: Int, ok: Bool, ttftMs: Double?,
                    outputSpeed: Double?, itlMs: Double?, tokensPerSecond: Double?, totalSeconds: Double?,
                    outputTokens: Double?, reasoningTokens: Double? = nil, cost: Double?, errorClass: String?) {
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
            self.reasoningTokens = reasoningTokens
            self.cost = cost
            self.errorClass = errorClass
        }

        public init(_ r: RunResult) {
            let m = r.metrics
            self.init(targetID: r.targetID, providerID: r.providerID, model: r.model, tier: r.tier, ok: r.succeeded,
                      ttftMs: m.ttftMs, outputSpeed: m.outputSpeed, itlMs: m.itlMs, tokensPerSecond: m.tokensPerSecond,
                      totalSeconds: m.totalSeconds, outputTokens: Double(m.outputTokens),
                      reasoningTokens: m.reasoningTokens.map(Double.init), cost: m.cost,
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
                reasoningTokens: MetricSummary(ok.compactMap(\.reasoningTokens)), cost: MetricSummary(ok.compactMap(\.cost)), confidence: Confidence.of(ttft: ttft, outputSpeed: speed),
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
            "output_tokens": summary(outputTokens), "reasoning_tokens": summary(reasoningTokens), "cost": summary(cost),
            "confidence": confidence.map { .string($0.rawValue) } ?? .null,
            "errors": .object(JSONObject(errorClasses.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
        ]
    }
}
