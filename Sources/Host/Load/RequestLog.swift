import HostMeasurement
import HostProviderCalls
import Synchronization

/// The measured requests of one level, kept for the per-request export when asked
/// (`LoadEngine.run(…, log:)`). Bounded: past `capacity` requests only the count of those
/// left out grows, so a long duration-bound level cannot exhaust memory.
public final class RequestLog: Sendable {
    public let origin: RequestTiming.Origin
    public let target: String
    public let capacity: Int
    private let state = Mutex<(kept: [RequestTiming], dropped: Int)>(([], 0))

    /// 200,000 requests of a few hundred bytes each: what a long level can keep.
    public static let defaultCapacity = 200_000

    public init(origin: RequestTiming.Origin, target: String, capacity: Int = RequestLog.defaultCapacity) {
        self.origin = origin
        self.target = target
        self.capacity = capacity
    }

    func add(_ record: CallRecord, metrics: RunMetrics, level: String, index: Int, intended: UInt64?) {
        let full = state.withLock { $0.kept.count >= capacity }
        if full {
            state.withLock { $0.dropped += 1 }
            return
        }
        // Built outside the lock: concurrent requests only contend for the append.
        let timing = RequestTiming(level: level, target: target, index: index, intended: intended, origin: origin, t0: record.t0,
                                   metrics: metrics, reads: record.reads, errorClass: record.failure?.errorClass.description,
                                   requestID: record.serverRequestID)
        state.withLock { s in
            if s.kept.count < capacity { s.kept.append(timing) } else { s.dropped += 1 }
        }
    }

    /// The requests kept so far, in completion order, and how many were left out; empties the log.
    public func drain() -> (requests: [RequestTiming], dropped: Int) {
        state.withLock { s in
            defer { s = ([], 0) }
            return (s.kept, s.dropped)
        }
    }
}
