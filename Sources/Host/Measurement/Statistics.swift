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
