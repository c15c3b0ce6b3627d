import HostMeasurement

extension RequestTiming {
    /// A finished call as the per-request export gives it (a load test's request).
    public init(_ record: CallRecord, level: String, target: String, index: Int, intended: UInt64?, origin: RequestTiming.Origin) {
        self.init(level: level, target: target, index: index, intended: intended, origin: origin, t0: record.t0,
                  metrics: record.metrics(prices: nil), reads: record.reads,
                  errorClass: record.failure?.errorClass.description, requestID: record.serverRequestID)
    }
}
