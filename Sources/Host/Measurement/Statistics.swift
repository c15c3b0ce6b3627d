/// The one statistics implementation used by the CLI, the API and the dashboard
/// (docs/measurement.md): mean, median, min, max, sample standard deviation (n − 1), CV, percentiles
/// by linear interpolation between closest ranks (numpy's default, so always within
/// [min, max]), IQR outliers and the confidence rule.
public enum Statistics {
    public static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Sample standard deviation; nil below two values.
    public static func sampleStandardDeviation(_ values: [Double]) -> Double? {
        guard values.count >= 2, let m = mean(values) else { return nil }
        let squares = values.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        return (squares / Double(values.count - 1)).squareRoot()
    }

    /// Percentile `p` (0...100) of `sorted` (ascending), numpy "linear" method.
    public static func percentile(sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = min(max(p, 0), 100) / 100 * Double(sorted.count - 1)
        let lower = Int(rank.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = rank - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }

    public static func percentile(_ values: [Double], _ p: Double) -> Double? {
        percentile(sorted: values.sorted(), p)
    }

    /// Values outside [Q1 − 1.5 IQR, Q3 + 1.5 IQR]; only computed from 4 values up.
    public static func iqrOutliers(_ values: [Double]) -> [Double] {
        guard values.count >= 4 else { return [] }
        let sorted = values.sorted()
        let q1 = percentile(sorted: sorted, 25)!, q3 = percentile(sorted: sorted, 75)!
        let fence = 1.5 * (q3 - q1)
        return values.filter { $0 < q1 - fence || $0 > q3 + fence }
    }
}

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

/// How far the figures of a (target, tier) can be trusted (docs/measurement.md).
public enum Confidence: String, Sendable, Equatable {
    case high, medium, low

    /// high: CV < 10 % and n ≥ 3; low: CV > 30 % or n = 1; medium otherwise.
    /// `cvPercent` is nil when it cannot be computed (n < 2).
    public static func rule(cvPercent: Double?, count: Int) -> Confidence? {
        guard count >= 1 else { return nil }
        if count == 1 { return .low }
        guard let cv = cvPercent else { return .medium }
        if cv > 30 { return .low }
        if cv < 10 && count >= 3 { return .high }
        return .medium
    }

    /// The studio's confidence for a (target, tier): the rule applied to the larger CV of
    /// TTFT and output speed, the two figures users rank by.
    public static func of(ttft: MetricSummary?, outputSpeed: MetricSummary?) -> Confidence? {
        let count = max(ttft?.count ?? 0, outputSpeed?.count ?? 0)
        let cvs = [ttft?.cvPercent, outputSpeed?.cvPercent].compactMap { $0 }
        return rule(cvPercent: cvs.max(), count: count)
    }
}
