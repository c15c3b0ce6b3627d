import HostMeasurement
import Histogram
import StudioJSON

/// A latency distribution. Up to `exactUpTo` samples (100,000 by default: a level of
/// 1,500 requests of 32 tokens holds 47,000 reads) every value is kept, and percentiles
/// are the studio's one definition (Statistics.percentile: linear interpolation, as in
/// `studio bench`), exact to the nanosecond. Past that, an HDR histogram takes over:
/// microsecond values, four significant digits (1 µs steps up to 32 ms, 2 µs to 65 ms, …:
/// within 0.01 % of the exact percentile), up to an hour, in constant memory (≈1.2 MB)
/// whatever the number of samples. Three digits were tried first: their 16 µs steps at
/// 20 ms were larger than the measurement error they were reporting.
public struct LatencyHistogram: Sendable {
    private var histogram = Histogram<UInt32>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000,
                                              numberOfSignificantValueDigits: .four)
    private var sum = 0.0
    /// Every sample (ms) while there are at most `exactLimit`; nil after.
    private var exact: [Double]? = []
    private let exactLimit: Int

    public init(exactUpTo limit: Int = 100_000) {
        exactLimit = limit
        if limit == 0 { exact = nil }
    }

    public mutating func record(ms: Double) {
        let micros = UInt64(Swift.max(1, Swift.min(3_600_000_000, (ms * 1000).rounded())))
        _ = histogram.record(micros)
        sum += ms
        if exact != nil {
            if exact!.count < exactLimit { exact!.append(ms) } else { exact = nil }
        }
    }

    public mutating func add(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
        sum += other.sum
        if let mine = exact, let theirs = other.exact, mine.count + theirs.count <= exactLimit {
            exact = mine + theirs
        } else {
            exact = nil
        }
    }

    public var count: Int { Int(histogram.totalCount) }

    /// Whether percentiles are exact (every sample kept) rather than the histogram's.
    public var isExact: Bool { exact != nil }

    /// The value at percentile `p` (0–100), milliseconds; nil when empty.
    public func percentile(_ p: Double) -> Double? { percentiles([p])[0] }

    /// Several percentiles at once (the samples are sorted once).
    public func percentiles(_ ps: [Double]) -> [Double?] {
        guard count > 0 else { return ps.map { _ in nil } }
        if let exact {
            let sorted = exact.sorted()
            return ps.map { Statistics.percentile(sorted: sorted, $0) }
        }
        return ps.map { Double(histogram.valueAtPercentile($0)) / 1000 }
    }

    public var mean: Double? { count == 0 ? nil : sum / Double(count) }
    public var max: Double? {
        guard count > 0 else { return nil }
        return exact?.max() ?? Double(histogram.max) / 1000
    }

    public var json: JSONValue {
        // To 0.1 µs: the kernel-stamped figures are good to the microsecond.
        func value(_ v: Double?) -> JSONValue { v.map { .double(($0 * 10_000).rounded() / 10_000) } ?? .null }
        let p = percentiles([50, 90, 95, 99, 99.9])
        return ["count": .int(Int64(count)), "mean": value(mean), "p50": value(p[0]), "p90": value(p[1]),
                "p95": value(p[2]), "p99": value(p[3]), "p999": value(p[4]), "max": value(max), "exact": .bool(isExact)]
    }
}
