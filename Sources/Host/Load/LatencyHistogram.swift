import Histogram
import StudioJSON

/// A latency distribution kept in an HDR histogram: microsecond resolution, three
/// significant digits (a percentile is within 0.1 % of the exact one), up to an hour,
/// in constant memory whatever the number of samples.
public struct LatencyHistogram: Sendable {
    private var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000,
                                              numberOfSignificantValueDigits: .three)
    private var sum = 0.0

    public init() {}

    public mutating func record(ms: Double) {
        let micros = UInt64(Swift.max(1, Swift.min(3_600_000_000, (ms * 1000).rounded())))
        _ = histogram.record(micros)
        sum += ms
    }

    public mutating func add(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
        sum += other.sum
    }

    public var count: Int { Int(histogram.totalCount) }

    /// The value at percentile `p` (0–100), milliseconds; nil when empty.
    public func percentile(_ p: Double) -> Double? {
        count == 0 ? nil : Double(histogram.valueAtPercentile(p)) / 1000
    }

    public var mean: Double? { count == 0 ? nil : sum / Double(count) }
    public var max: Double? { count == 0 ? nil : Double(histogram.max) / 1000 }

    public var json: JSONValue {
        func value(_ v: Double?) -> JSONValue { v.map { .double(($0 * 1000).rounded() / 1000) } ?? .null }
        return ["count": .int(Int64(count)), "mean": value(mean), "p50": value(percentile(50)), "p90": value(percentile(90)),
                "p95": value(percentile(95)), "p99": value(percentile(99)), "p999": value(percentile(99.9)), "max": value(max)]
    }
}
