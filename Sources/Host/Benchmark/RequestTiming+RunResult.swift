import HostMeasurement
import HostProviderCalls

extension RequestTiming {
    /// A benchmark run as the per-request export gives it: its tier is its level, its run
    /// number its index; it had no schedule, so no intended time.
    public init(_ r: RunResult, origin: RequestTiming.Origin) {
        self.init(level: "tier \(r.tier)", target: r.targetID, index: r.run, intended: nil, origin: origin, t0: r.t0, metrics: r.metrics,
                  reads: r.reads, errorClass: r.failure?.errorClass.description, requestID: r.serverRequestID)
    }
}
