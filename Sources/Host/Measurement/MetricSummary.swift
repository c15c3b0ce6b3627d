/// Summary of one metric over the successful runs of a (target, tier).
public struct MetricSummary: Sendable, Equatable {
    public let count: Int
    public let mean: Double
    public let median: Double
    public let min: Double
    public let max: Double
    /// Sample standard deviation (n ≥ 2), else nil.
    public let stdev: Double?
    /// Coefficient of variation in percent (stdev / mean × 100), nil when undefined.
    public let cvPercent: Double?
    public let p50: Double
    public let p90: Double
    public let p95: Double
    public let p99: Double
    public let outliers: [Double]

    public init?(_ values: [Double]) {
        let finite = values.filter(\.isFinite)
        guard !finite.isEmpty else { return nil }
        let sorted = finite.sorted()
        count = sorted.count
        let average = Statistics.mean(sorted)!
        let deviation = Statistics.sampleStandardDeviation(sorted)
        mean = average
        median = Statistics.percentile(sorted: sorted, 50)!
        min = sorted.first!
        max = sorted.last!
        stdev = deviation
        cvPercent = deviation.flatMap { average != 0 ? $0 / abs(average) * 100 : nil }
        p50 = median
        p90 = Statistics.percentile(sorted: sorted, 90)!
        p95 = Statistics.percentile(sorted: sorted, 95)!
        p99 = Statistics.percentile(sorted: sorted, 99)!
        outliers = Statistics.iqrOutliers(finite)
    }
}
