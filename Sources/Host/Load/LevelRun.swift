import CoreMetrics
import HostMeasurement
import HostProviderCalls
import HostTransport
import StudioJSON
import Synchronization

/// One level in progress: what its streams or arrivals share.
final class LevelRun: Sendable {
    /// Built once for the level: every request of a level is the same.
    let prepared: Result<PreparedCall, ProviderCall.PreparationFailure>
    let transport: Transport
    let warmup: Int
    /// Measured requests when count-bound; nil with a duration.
    let total: Int?
    let deadline: UInt64?
    let progress: LoadEngine.Progress
    let state: Mutex<LevelAccumulator>
    /// Where each measured request is kept for the per-request export (nil: not kept).
    let log: RequestLog?
    let levelName: String
    /// docs/deploy.md, "Metrics": measured load requests by outcome (made once: the hot path).
    let succeeded = Counter(label: "studio_load_requests_total", dimensions: [("outcome", "ok")])
    private let lastProgress = Mutex<UInt64>(0)
    /// Closed loop: the next request number, and when the measured window began.
    private let dispenser = Mutex<(next: Int, windowStart: UInt64?)>((0, nil))

    init(prepared: Result<PreparedCall, ProviderCall.PreparationFailure>, transport: Transport, plan: LoadPlan, level: LoadPlan.Level,
         warmup: Int, log: RequestLog?, progress: @escaping LoadEngine.Progress) {
        self.log = log
        self.levelName = level.description
        self.prepared = prepared
        self.transport = transport
        self.warmup = warmup
        self.total = plan.durationSeconds == nil ? plan.requests : nil
        self.deadline = plan.durationSeconds.map { Saturating.nanoseconds(seconds: $0) }
        self.progress = progress
        self.state = Mutex(LevelAccumulator(slo: plan.slo))
    }

    /// Closed loop: the next request's number and intended send time (now), or nil when
    /// the level is done. Numbers past the warm-up are measured; with a duration, none
    /// are handed out once the measured window (from the first measured one) has lasted it.
    func take() -> (Int, UInt64)? {
        dispenser.withLock { d in
            let now = MonotonicClock.now()
            if let total, d.next >= warmup + total { return nil }
            if let deadline, let start = d.windowStart, now - start >= deadline { return nil }
            if d.next == warmup { d.windowStart = now }
            d.next += 1
            return (d.next - 1, now)
        }
    }

    /// Adds a measured request to the level; returns the count when a progress report is
    /// due (at most every 250 ms, and at the last one).
    private func add(_ sample: LevelAccumulator.Sample) -> Int? {
        if let failure = sample.failure {
            Counter(label: "studio_load_requests_total", dimensions: [("outcome", failure)]).increment()
        } else {
            succeeded.increment()
        }
        let done = state.withLock { $0.add(sample) }
        let now = MonotonicClock.now()
        let due = lastProgress.withLock { last in
            guard now - last > 250_000_000 else { return false }
            last = now
            return true
        }
        return due || done == total ? done : nil
    }

    /// Open loop: requests start at the arrival times whatever is in flight, each from a
    /// timer on an event loop (precise to microseconds, no task to wake); a late timer sends
    /// at once and its lateness is the dispatch lag. Count-bound, or by duration from the
    /// first measured arrival. Returns when the last request has ended; cancelling the
    /// calling task stops the arrivals and aborts what is in flight.
    func openLoop(_ arrivals: ArrivalProcess, duration: Double?) async {
        let (reports, reporter) = AsyncStream<Int>.makeStream(bufferingPolicy: .unbounded)
        let dispatcher = OpenLoopDispatcher(run: self, arrivals: arrivals, duration: duration,
                                            start: MonotonicClock.now() + 1_000_000) { done in
            if let done { reporter.yield(done) } else { reporter.finish() }
        }
        await withTaskCancellationHandler {
            dispatcher.begin()
            for await done in reports { await progress(done, total) }
        } onCancel: {
            dispatcher.cancel()
        }
    }

    /// Closed loop: `streams` chains of requests, each sending its next request from the
    /// completion of the last, on the connection's event loop: no hop through a task and
    /// back, so the client adds only a write's worth of dispatch lag. That lag is counted
    /// from when the client handled the end of the previous request (a chain's first
    /// request: from when it began).
    /// Returns when every chain has ended; cancelling the calling task aborts them.
    func closedLoop(streams: Int) async {
        let (reports, reporter) = AsyncStream<Int>.makeStream(bufferingPolicy: .unbounded)
        let chains = (0..<streams).map { _ in ClosedLoopChain() }
        let remaining = Mutex(streams)
        await withTaskCancellationHandler {
            for chain in chains {
                chain.next(self, intended: nil) { done in
                    if let done { reporter.yield(done) } else if remaining.withLock({ $0 -= 1; return $0 == 0 }) { reporter.finish() }
                }
            }
            // Progress is reported from here, in order; the stream ends with the last chain.
            for await done in reports { await progress(done, total) }
        } onCancel: {
            for chain in chains { chain.cancel() }
        }
    }

    /// Sends the level's request once; `completion` gets its record (at once, without any
    /// I/O, when the plugin could not build the request: every send fails the same way).
    func send(into call: InFlightCall, completion: @escaping @Sendable (CallRecord) -> Void) {
        switch prepared {
        case .success(let prepared): ProviderCall.start(prepared, transport: transport, into: call, completion: completion)
        case .failure(let failed): completion(failed.value)
        }
    }

    func completed(_ record: CallRecord, index: Int, intended: UInt64) -> Int? {
        guard index >= warmup else { return nil }
        // The request's metrics are computed once, for the level and for its log.
        let sample = LevelAccumulator.Sample(intended: intended, record: record)
        log?.add(record, metrics: sample.metrics, level: levelName, index: index - warmup, intended: intended)
        return add(sample)
    }
}
