import HostMeasurement
import HostProviderCalls

/// What a level's measured requests add up to, as they finish.
public struct LevelAccumulator: Sendable {
    let slo: LoadPlan.SLO
    var ttft = LatencyHistogram()
    var itlPerRead = LatencyHistogram()
    var itlPerRequest = LatencyHistogram()
    var e2e = LatencyHistogram()
    var dispatchLag = LatencyHistogram()
    var measured = 0
    var ok = 0
    var good = 0
    var errors: [String: Int] = [:]
    /// The first message of each error class (already scrubbed of secrets), to say why.
    var errorExamples: [String: String] = [:]
    var outputTokens = 0
    var sumE2EMs = 0.0
    var firstIntended = UInt64.max
    var lastEnd: UInt64 = 0

    public init(slo: LoadPlan.SLO) { self.slo = slo }

    /// One finished request, reduced to what the level adds up: computed outside the
    /// level's lock, so concurrent requests only contend for the additions.
    public struct Sample: Sendable {
        let intended: UInt64
        let t0: UInt64
        let end: UInt64
        let failure: String?
        let failureMessage: String?
        let metrics: RunMetrics

        public init(intended: UInt64, record: CallRecord) {
            self.intended = intended
            t0 = record.t0
            end = record.endAt
            failure = record.failure?.errorClass.description
            failureMessage = record.failure?.message
            metrics = record.metrics(prices: nil)
        }
    }

    /// Adds one measured request; returns how many have been added.
    @discardableResult
    public mutating func add(intended: UInt64, record: CallRecord) -> Int { add(Sample(intended: intended, record: record)) }

    @discardableResult
    public mutating func add(_ s: Sample) -> Int {
        measured += 1
        firstIntended = min(firstIntended, s.intended)
        lastEnd = max(lastEnd, s.end)
        dispatchLag.record(ms: s.t0 > s.intended ? Double(s.t0 - s.intended) / 1e6 : 0)
        let metrics = s.metrics
        sumE2EMs += metrics.totalSeconds * 1000
        if let failure = s.failure {
            errors[failure, default: 0] += 1
            if errorExamples[failure] == nil { errorExamples[failure] = s.failureMessage }
            return measured
        }
        ok += 1
        outputTokens = Saturating.add(outputTokens, metrics.outputTokens)
        e2e.record(ms: metrics.totalSeconds * 1000)
        if let t = metrics.ttftMs { ttft.record(ms: t) }
        if let itl = metrics.itlMs { itlPerRequest.record(ms: itl) }
        for sample in metrics.itlSamplesMs { itlPerRead.record(ms: sample) }
        if !slo.isEmpty, Self.meets(slo, ttft: metrics.ttftMs, itl: metrics.itlMs, e2e: metrics.totalSeconds * 1000) { good += 1 }
        return measured
    }

    /// Goodput rule: every SLO given holds (a missing figure fails its SLO).
    public static func meets(_ slo: LoadPlan.SLO, ttft: Double?, itl: Double?, e2e: Double) -> Bool {
        if let limit = slo.ttftMs, !(ttft.map { $0 <= limit } ?? false) { return false }
        // One output token has no inter-token latency: nothing to fail.
        if let limit = slo.itlMs, let itl, itl > limit { return false }
        if let limit = slo.e2eMs, e2e > limit { return false }
        return true
    }
}
