import HostConfig
import StudioJSON

/// A load test of one target (docs/measurement.md, load mode): closed-loop concurrency levels or
/// open-loop arrival rates (constant or Poisson, seeded), each level by request count or
/// duration after its warm-up requests, with optional SLOs for goodput.
public struct LoadPlan: Sendable, Equatable {
    public enum Level: Sendable, Equatable, CustomStringConvertible {
        /// N streams, each sending its next request when the previous one ends.
        case concurrency(Int)
        /// Requests started at R per second whatever is in flight.
        case rate(Double)

        public var description: String {
            switch self {
            case .concurrency(let n): return "c=\(n)"
            case .rate(let r): return "rate=\(Self.number(r))/s"
            }
        }

        static func number(_ value: Double) -> String {
            abs(value) < 1e15 && value == value.rounded() ? String(Int(value)) : String(value)
        }
    }

    public struct SLO: Sendable, Equatable {
        public var ttftMs: Double?
        public var itlMs: Double?
        public var e2eMs: Double?
        public init(ttftMs: Double? = nil, itlMs: Double? = nil, e2eMs: Double? = nil) {
            (self.ttftMs, self.itlMs, self.e2eMs) = (ttftMs, itlMs, e2eMs)
        }
        public var isEmpty: Bool { ttftMs == nil && itlMs == nil && e2eMs == nil }
    }

    public var levels: [Level]
    /// Open loop: Poisson arrivals (exponential gaps) instead of evenly spaced ones.
    public var poisson = false
    public var seed: UInt64 = 1
    /// Measured requests per level (after the warm-up), unless `durationSeconds` is set.
    public var requests: Int? = 100
    public var durationSeconds: Double? = nil
    /// Requests per level sent first and discarded (they also open the connections).
    public var warmup: Int? = nil
    public var maxTokens = StudioConfig.Defaults.loadTestMaxTokens
    public var prompt = "Write a short story about a benchmark."
    public var slo = SLO()

    public init(levels: [Level]) { self.levels = levels }

    /// Warm-up requests of a level: as given, else one per stream (closed loop) or ten.
    public func warmupCount(for level: Level) -> Int {
        if let warmup { return warmup }
        if case .concurrency(let n) = level { return n }
        return 10
    }

    /// The plan as stored with its run and sent to a job.
    public var json: JSONValue {
        var o: JSONObject = ["max_tokens": .int(Int64(maxTokens)), "poisson": .bool(poisson), "seed": .int(Int64(truncatingIfNeeded: seed))]
        let concurrency = levels.compactMap { if case .concurrency(let n) = $0 { return JSONValue.int(Int64(n)) } else { return nil } }
        let rates = levels.compactMap { if case .rate(let r) = $0 { return JSONValue.double(r) } else { return nil } }
        if !concurrency.isEmpty { o["concurrency"] = .array(concurrency) }
        if !rates.isEmpty { o["rate"] = .array(rates) }
        if let requests, durationSeconds == nil { o["requests"] = .int(Int64(requests)) }
        if let durationSeconds { o["duration_s"] = .double(durationSeconds) }
        if let warmup { o["warmup"] = .int(Int64(warmup)) }
        var slo = JSONObject()
        if let v = self.slo.ttftMs { slo["ttft_ms"] = .double(v) }
        if let v = self.slo.itlMs { slo["itl_ms"] = .double(v) }
        if let v = self.slo.e2eMs { slo["e2e_ms"] = .double(v) }
        if !slo.isEmpty { o["slo"] = .object(slo) }
        return .object(o)
    }

    /// A plan from its JSON (already schema-checked: one of concurrency or rate).
    public init(json: JSONValue) {
        let concurrency = (json["concurrency"]?.arrayValue ?? []).compactMap(\.intValue).map { Level.concurrency(Int($0)) }
        let rates = (json["rate"]?.arrayValue ?? []).compactMap(\.doubleValue).map { Level.rate($0) }
        self.init(levels: concurrency + rates)
        poisson = json["poisson"]?.boolValue ?? false
        seed = json["seed"]?.intValue.map { UInt64(truncatingIfNeeded: $0) } ?? 1
        durationSeconds = json["duration_s"]?.doubleValue
        requests = durationSeconds == nil ? Int(json["requests"]?.intValue ?? 100) : nil
        warmup = json["warmup"]?.intValue.map(Int.init)
        maxTokens = json["max_tokens"]?.intValue.map(Int.init) ?? StudioConfig.Defaults.loadTestMaxTokens
        slo = SLO(ttftMs: json["slo"]?["ttft_ms"]?.doubleValue, itlMs: json["slo"]?["itl_ms"]?.doubleValue,
                  e2eMs: json["slo"]?["e2e_ms"]?.doubleValue)
    }

    /// Bounds of a plan (the schema below and `problem(_:)` state them): a rate below one
    /// request per 100 s, or a level that would last longer than a week, is a mistake.
    public static let minimumRate = 0.01
    public static let longestLevelSeconds = 7.0 * 86_400

    /// The plan's fields as a JSON Schema (the load-test request embeds it). Every number
    /// has both bounds: values reach timers and integer conversions.
    public static let properties: JSONObject = [
        "concurrency": ["type": "array", "minItems": 1, "maxItems": 16, "items": ["type": "integer", "minimum": 1, "maximum": 4096]],
        "rate": ["type": "array", "minItems": 1, "maxItems": 16, "items": ["type": "number", "minimum": .double(minimumRate), "maximum": 100_000]],
        "poisson": ["type": "boolean"],
        "seed": ["type": "integer", "minimum": 0, "maximum": 9_007_199_254_740_991],
        "requests": ["type": "integer", "minimum": 1, "maximum": 1_000_000],
        "duration_s": ["type": "number", "minimum": 1, "maximum": 86_400],
        "warmup": ["type": "integer", "minimum": 0, "maximum": 100_000],
        "max_tokens": ["type": "integer", "minimum": 1, "maximum": 100_000],
        "slo": ["type": "object", "additionalProperties": false, "properties": [
            "ttft_ms": ["type": "number", "exclusiveMinimum": 0, "maximum": 3_600_000],
            "itl_ms": ["type": "number", "exclusiveMinimum": 0, "maximum": 3_600_000],
            "e2e_ms": ["type": "number", "exclusiveMinimum": 0, "maximum": 3_600_000]]],
    ]
}
