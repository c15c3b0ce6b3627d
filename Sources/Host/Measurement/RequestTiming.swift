#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudioJSON

/// One request of a load test or a benchmark as the per-request export gives it
/// (docs/load.md, "Per-request export"): enough to join the studio's timings with a
/// server's log or a packet capture by the request id the server saw, or by wall time.
/// Times are the host's, taken at the socket (docs/measurement.md).
public struct RequestTiming: Sendable, Equatable {
    /// The instant a run's times are counted from, read on both clocks at once: offsets
    /// come from the monotonic clock, and wall time is that offset added to the wall
    /// reading (so a later wall-clock step does not bend the run's timeline).
    public struct Origin: Sendable, Equatable {
        public let monotonic: UInt64
        /// Microseconds since 1970-01-01 UTC.
        public let unixMicroseconds: Int64

        public init(monotonic: UInt64, unixMicroseconds: Int64) {
            self.monotonic = monotonic
            self.unixMicroseconds = unixMicroseconds
        }

        public static func now() -> Origin {
            var wall = timespec()
            let monotonic = MonotonicClock.now()
            clock_gettime(CLOCK_REALTIME, &wall)
            return Origin(monotonic: monotonic, unixMicroseconds: Int64(wall.tv_sec) * 1_000_000 + Int64(wall.tv_nsec) / 1_000)
        }

        /// Milliseconds from the origin to a monotonic reading (µs resolution).
        public func milliseconds(to time: UInt64) -> Double { RequestTiming.rounded(MonotonicClock.milliseconds(from: monotonic, to: time)) }

        /// Wall time of a monotonic reading, in microseconds since 1970.
        public func unixMicroseconds(at time: UInt64) -> Int64 {
            unixMicroseconds + (time >= monotonic ? Int64((time - monotonic) / 1_000) : -Int64((monotonic - time) / 1_000))
        }
    }

    /// The load level ("c=8", "rate=20/s") or the benchmark tier ("tier 0").
    public var level: String
    /// provider/model.
    public var target: String
    /// The request's number in its level (dispatch order; a benchmark's run number).
    public var index: Int
    /// When the schedule meant to send it, ms after the origin (open and closed loop; null
    /// for a benchmark, which has no schedule).
    public var intendedMs: Double?
    /// t0: when the request was handed to its connection, ms after the origin.
    public var sentMs: Double
    /// t0 as wall time, microseconds since 1970 (what a server log's timestamps compare with).
    public var sentAtUnixMicroseconds: Int64
    public var ttftMs: Double?
    public var e2eMs: Double
    public var outputTokens: Int?
    /// The error class (docs/measurement.md), null when the request succeeded.
    public var errorClass: String?
    /// The server's request id header (x-request-id, request-id), when it sent one.
    public var requestID: String?
    /// Each read that carried output tokens, ms after t0 (µs resolution).
    public var tokenReadsMs: [Double]
    /// The inter-token latencies this request contributed, as `RunMetrics` counts them
    /// (a read's gap shared by the tokens it carried).
    public var itlMs: [Double]

    public init(level: String, target: String, index: Int, intendedMs: Double?, sentMs: Double, sentAtUnixMicroseconds: Int64,
                ttftMs: Double?, e2eMs: Double, outputTokens: Int?, errorClass: String?, requestID: String?, tokenReadsMs: [Double],
                itlMs: [Double]) {
        self.level = level
        self.target = target
        self.index = index
        self.intendedMs = intendedMs
        self.sentMs = sentMs
        self.sentAtUnixMicroseconds = sentAtUnixMicroseconds
        self.ttftMs = ttftMs
        self.e2eMs = e2eMs
        self.outputTokens = outputTokens
        self.errorClass = errorClass
        self.requestID = requestID
        self.tokenReadsMs = tokenReadsMs
        self.itlMs = itlMs
    }

    /// A finished request from its measurements: `intended` is when its schedule meant to
    /// send it (nil without a schedule), `errorClass` nil when it succeeded.
    public init(level: String, target: String, index: Int, intended: UInt64?, origin: Origin, t0: UInt64, metrics: RunMetrics,
                reads: [ReadRecord], errorClass: String?, requestID: String?) {
        let tokenReads = reads.lazy.filter { $0.tokenEvents > 0 }.prefix(Self.maxTokenReads)
        self.init(level: level, target: target, index: index, intendedMs: intended.map(origin.milliseconds(to:)),
                  sentMs: origin.milliseconds(to: t0), sentAtUnixMicroseconds: origin.unixMicroseconds(at: t0),
                  ttftMs: metrics.ttftMs.map(Self.rounded), e2eMs: Self.rounded(metrics.totalSeconds * 1000),
                  outputTokens: errorClass == nil ? metrics.outputTokens : nil, errorClass: errorClass, requestID: requestID,
                  tokenReadsMs: tokenReads.map { Self.rounded(MonotonicClock.milliseconds(from: t0, to: $0.at)) },
                  itlMs: metrics.itlSamplesMs.prefix(Self.maxTokenReads).map(Self.rounded))
    }

    /// Reads kept per request: beyond it the list is cut (a runaway stream must not make
    /// the export unbounded); the gaps of the kept part are exact.
    public static let maxTokenReads = 4096

    /// The export's columns, in order (CSV header and JSON keys alike).
    public static let columns = ["level", "target", "request", "intended_ms", "sent_ms", "sent_at", "sent_at_unix_us", "ttft_ms", "e2e_ms",
                                 "output_tokens", "error_class", "request_id", "itl_ms", "token_reads_ms"]

    public var json: JSONObject {
        ["level": .string(level), "target": .string(target), "request": .int(Int64(index)),
         "intended_ms": intendedMs.map(JSONValue.double) ?? .null, "sent_ms": .double(sentMs),
         "sent_at": .string(Self.iso8601(microseconds: sentAtUnixMicroseconds)),
         "sent_at_unix_us": .int(sentAtUnixMicroseconds),
         "ttft_ms": ttftMs.map(JSONValue.double) ?? .null, "e2e_ms": .double(e2eMs),
         "output_tokens": outputTokens.map { .int(Int64($0)) } ?? .null,
         "error_class": errorClass.map(JSONValue.string) ?? .null, "request_id": requestID.map(JSONValue.string) ?? .null,
         "itl_ms": .array(itlMs.map(JSONValue.double)), "token_reads_ms": .array(tokenReadsMs.map(JSONValue.double))]
    }

    /// A CSV row: the lists are space-separated numbers in one cell.
    public var csvRow: [JSONValue] {
        let object = json
        return Self.columns.map { column in
            guard let list = object[column]?.arrayValue else { return object[column] ?? .null }
            return .string(list.compactMap { $0.doubleValue.map { String($0) } }.joined(separator: " "))
        }
    }

    public static func rounded(_ ms: Double) -> Double { (ms * 1000).rounded() / 1000 }

    /// 2026-12-03T11:29:40.123456Z: microseconds, so two requests a few µs apart stay ordered.
    public static func iso8601(microseconds: Int64) -> String {
        var seconds = time_t(microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000)
        let micros = Int(microseconds - Int64(seconds) * 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let fraction = String(micros)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 6 - fraction.count) + fraction + "Z"
    }
}
