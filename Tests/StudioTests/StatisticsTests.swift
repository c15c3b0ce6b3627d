import HostMeasurement
import Testing

/// docs/measurement.md worked examples and the statistics rules.
@Suite struct StatisticsTests {
    func approx(_ a: Double?, _ b: Double, _ tolerance: Double = 0.005) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance
    }

    @Test func outputSpeedWorkedExample() {
        // TTFT 200 ms, total 2 s, 100 tokens → 55.56 tok/s.
        let r = RunMetrics.rates(ttftMs: 200, totalSeconds: 2, output: 100, input: nil)
        #expect(approx(r.outputSpeed, 55.56))
    }

    @Test func interTokenLatencyWorkedExample() {
        // TTFT 100 ms, total 2 s, 100 tokens → 19.19 ms.
        let r = RunMetrics.rates(ttftMs: 100, totalSeconds: 2, output: 100, input: 1000)
        #expect(approx(r.itlMs, 19.19))
        #expect(approx(r.inputTPS, 10_000))
        #expect(RunMetrics.rates(ttftMs: 100, totalSeconds: 2, output: 1, input: nil).itlMs == nil, "ITL needs two tokens")
    }

    @Test func metricsFromReadsCountTokenEventsAndSpreadMergedReads() {
        let ms: UInt64 = 1_000_000
        let reads = [ReadRecord(at: 5 * ms, bytes: 10, events: 1, tokenEvents: 0),  // role-only chunk
                     ReadRecord(at: 100 * ms, bytes: 10, events: 1, tokenEvents: 1),
                     ReadRecord(at: 120 * ms, bytes: 30, events: 3, tokenEvents: 3),  // three tokens in one read
                     ReadRecord(at: 130 * ms, bytes: 10, events: 2, tokenEvents: 1)]
        let m = RunMetrics(t0: 0, end: 140 * ms, queueNs: 2 * ms, reads: reads, usageOutput: nil, usageInput: 50,
                           prices: Prices(input: 1, output: 2))
        #expect(m.ttftMs == 100, "TTFT stops at the first token, not the role-only chunk")
        #expect(m.outputTokens == 5 && m.tokensEstimated)
        #expect(m.itlSamplesMs.count == 4)
        #expect(m.itlSamplesMs.allSatisfy { $0 > 0 }, "merged events never count as 0 ms gaps")
        #expect(approx(m.itlSamplesMs[0], 20.0 / 3.0, 1e-9))
        #expect(m.queueMs == 2)
        let expectedCost: Double = 50.0 / 1e6 + 10.0 / 1e6
        #expect(approx(m.cost, expectedCost, 1e-12))
    }

    /// Reasoning is output and billed as such; when it was not streamed (it happened before
    /// the first token) the speed after the first token counts only what was streamed.
    @Test func hiddenReasoningIsBilledButNotCountedInTheStreamsSpeed() {
        let ms: UInt64 = 1_000_000
        let reads = (0..<11).map { ReadRecord(at: (1_000 + UInt64($0) * 10) * ms, bytes: 10, events: 1, tokenEvents: 1) }
        let hidden = RunMetrics(t0: 0, end: 1_100 * ms, queueNs: 0, reads: reads, usageOutput: 2_011, usageInput: 5,
                                usageReasoning: 2_000, reasoningStreamed: false, prices: Prices(input: 0, output: 1))
        #expect(hidden.outputTokens == 2_011 && hidden.reasoningTokens == 2_000)
        #expect(approx(hidden.outputSpeed, 110), "11 streamed tokens over 0.1 s, not 2,011")
        #expect(approx(hidden.itlMs, 10))
        #expect(approx(hidden.cost, 2_011 / 1e6, 1e-12), "billed for all of it")
        let streamed = RunMetrics(t0: 0, end: 1_100 * ms, queueNs: 0, reads: reads, usageOutput: 2_011, usageInput: 5,
                                  usageReasoning: 2_000, reasoningStreamed: true, prices: nil)
        #expect(approx(streamed.outputSpeed, 20_110))
    }

    @Test func unknownPriceMeansUnknownCost() {
        #expect(RunMetrics.cost(input: 10, output: 10, prices: nil) == nil)
        #expect(RunMetrics.cost(input: 10, output: 10, prices: Prices(input: 1, output: nil)) == nil)
        #expect(RunMetrics.cost(input: 0, output: 0, prices: Prices(input: 1, output: 1)) == 0)
    }

    @Test func percentilesInterpolateAndStayWithinRange() {
        let values: [Double] = [100, 150, 200, 250]
        #expect(Statistics.percentile(values, 95) == 242.5)
        #expect(Statistics.percentile(values, 50) == 175)
        #expect(Statistics.percentile(values, 100) == 250)
        #expect(Statistics.percentile([7], 99) == 7)
        for p in stride(from: 0.0, through: 100, by: 2.5) {
            let v = Statistics.percentile(values, p)!
            #expect(v >= 100 && v <= 250)
        }
    }

    @Test func summaryUsesSampleStandardDeviation() throws {
        let s = try #require(MetricSummary([2, 4, 4, 4, 5, 5, 7, 9]))
        #expect(s.mean == 5)
        #expect(approx(s.stdev, 2.138, 0.001), "n − 1 in the denominator")
        #expect(approx(s.cvPercent, 42.76, 0.01))
        #expect(s.min == 2 && s.max == 9 && s.median == 4.5)
        #expect(MetricSummary([3])?.stdev == nil)
    }

    @Test func iqrOutliersNeedFourValues() {
        #expect(Statistics.iqrOutliers([1, 2, 100]).isEmpty)
        #expect(Statistics.iqrOutliers([10, 11, 12, 13, 100]) == [100])
    }

    @Test func confidenceRule() {
        #expect(Confidence.rule(cvPercent: 5, count: 3) == .high)
        #expect(Confidence.rule(cvPercent: 5, count: 2) == .medium, "high needs n ≥ 3")
        #expect(Confidence.rule(cvPercent: 20, count: 10) == .medium)
        #expect(Confidence.rule(cvPercent: 31, count: 10) == .low)
        #expect(Confidence.rule(cvPercent: nil, count: 1) == .low)
        #expect(Confidence.rule(cvPercent: nil, count: 0) == nil)
    }
}
