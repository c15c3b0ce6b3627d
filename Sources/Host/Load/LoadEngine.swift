import Foundation
import HostMeasurement
import HostProviderCalls
import HostTransport
import StudioJSON
import Synchronization

/// Runs load levels against one target through the measuring transport (the clock at the
/// byte, as for benchmarks). Closed loop: N streams, each sending its next request when
/// its previous one ends. Open loop: requests started on an arrival schedule whatever is
/// in flight. Every request is counted once: a warm-up request is discarded, a measured
/// one lands in the level's histograms or its error counts.
public struct LoadEngine: Sendable {
    public let endpoint: ProviderEndpoint
    public let model: String
    /// A transport whose connection pool keeps as many idle connections as the largest
    /// level has streams (see `transport(for:)`).
    public let transport: Transport

    public init(endpoint: ProviderEndpoint, model: String, transport: Transport) {
        self.endpoint = endpoint
        self.model = model
        self.transport = transport
    }

    /// A transport sized for the plan: idle connections kept up to its largest
    /// concurrency (open-loop levels: up to rate × 2 s), under `policy`.
    public static func transport(for plan: LoadPlan, policy: AddressPolicy = .allowAll) -> Transport {
        let streams = plan.levels.map { level -> Int in
            switch level {
            case .concurrency(let n): return n
            case .rate(let r): return Saturating.int(min(4096, r * 2))
            }
        }.max() ?? 64
        // One event loop per CPU this process may use: NIO's shared group counts every
        // CPU of the machine, and extra loops on a pinned CPU only add context switches.
        return Transport(maxIdlePerHost: max(64, streams), addressPolicy: policy, eventLoops: Transport.usableCPUs)
    }

    /// Progress of a level: measured requests done, and the total when count-bound.
    public typealias Progress = @Sendable (_ done: Int, _ total: Int?) async -> Void

    public func run(_ level: LoadPlan.Level, plan: LoadPlan, progress: @escaping Progress = { _, _ in }) async -> LevelReport {
        let request: JSONValue = ["model": .string(model), "stream": true,
                                  "messages": [["role": "user", "content": .string(plan.prompt)]],
                                  "params": ["max_tokens": .int(Int64(plan.maxTokens))]]
        let run = LevelRun(request: request, endpoint: endpoint, transport: transport, plan: plan,
                           warmup: plan.warmupCount(for: level), progress: progress)
        let cpuBefore = ProcessCPU.seconds()
        switch level {
        case .concurrency(let streams):
            await run.closedLoop(streams: streams)
        case .rate(let rate):
            await run.openLoop(ArrivalProcess(rate: rate, poisson: plan.poisson, seed: plan.seed), duration: plan.durationSeconds)
        }
        return LevelReport(level: level, plan: plan, warmup: run.warmup, accumulated: run.state.withLock { $0 },
                           cpuSeconds: ProcessCPU.seconds() - cpuBefore)
    }
}

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
    private let lastProgress = Mutex<UInt64>(0)
    /// Closed loop: the next request number, and when the measured window began.
    private let dispenser = Mutex<(next: Int, windowStart: UInt64?)>((0, nil))

    init(request: JSONValue, endpoint: ProviderEndpoint, transport: Transport, plan: LoadPlan, warmup: Int,
         progress: @escaping LoadEngine.Progress) {
        self.prepared = ProviderCall.prepare(request, to: endpoint)
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
    private func add(_ record: CallRecord, intended: UInt64) -> Int? {
        let sample = LevelAccumulator.Sample(intended: intended, record: record)
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
    fileprivate func send(into call: InFlightCall, completion: @escaping @Sendable (CallRecord) -> Void) {
        switch prepared {
        case .success(let prepared): ProviderCall.start(prepared, transport: transport, into: call, completion: completion)
        case .failure(let failed): completion(failed.value)
        }
    }

    fileprivate func completed(_ record: CallRecord, index: Int, intended: UInt64) -> Int? {
        index >= warmup ? add(record, intended: intended) : nil
    }
}

/// An open loop's arrivals: each timer sends its request and sets the next timer.
private final class OpenLoopDispatcher: Sendable {
    private struct State {
        var arrivals: ArrivalProcess
        var index = 0
        var windowOffset: Double?
        var sent = 0
        var ended = 0
        var stopped = false
        var finished = false
        var inFlight: [Int: InFlightCall] = [:]
    }
    private let run: LevelRun
    private let duration: Double?
    private let report: @Sendable (Int?) -> Void
    private let state: Mutex<State>
    /// The arrival schedule's time zero.
    private let start: UInt64

    /// `report`: a progress count, or nil once when the last request has ended.
    init(run: LevelRun, arrivals: ArrivalProcess, duration: Double?, start: UInt64, report: @escaping @Sendable (Int?) -> Void) {
        self.run = run
        self.duration = duration
        self.start = start
        self.report = report
        self.state = Mutex(State(arrivals: arrivals))
    }

    func begin() { scheduleNext() }

    /// Sets the timer of the next arrival, or stops when the level has sent them all.
    private func scheduleNext() {
        let next = state.withLock { s -> (index: Int, intended: UInt64)? in
            guard !s.stopped else { return nil }
            let offset = s.arrivals.next()
            let stop: Bool
            if let total = run.total {
                stop = s.index >= run.warmup + total
            } else {
                if s.index == run.warmup { s.windowOffset = offset }
                stop = duration.map { d in s.windowOffset.map { offset - $0 >= d } ?? false } ?? false
            }
            if stop { s.stopped = true; return nil }
            s.index += 1
            return (s.index - 1, Saturating.add(start, Saturating.nanoseconds(seconds: offset)))
        }
        guard let next else { return finishIfDone() }
        let now = MonotonicClock.now()
        run.transport.schedule(in: next.intended > now ? next.intended - now : 0) { [self] in
            fire(index: next.index, intended: next.intended)
        }
    }

    private func fire(index: Int, intended: UInt64) {
        let call = InFlightCall()
        let go = state.withLock { s -> Bool in
            guard !s.stopped else { return false }  // cancelled while its timer waited
            s.sent += 1
            s.inFlight[index] = call
            return true
        }
        guard go else { return finishIfDone() }
        scheduleNext()
        let run = self.run
        let completed: @Sendable (CallRecord) -> Void = { [self] record in
            if let done = run.completed(record, index: index, intended: intended) { report(done) }
            state.withLock { s in
                s.ended += 1
                s.inFlight[index] = nil
            }
            finishIfDone()
        }
        run.send(into: call, completion: completed)
    }

    private func finishIfDone() {
        let finish = state.withLock { s -> Bool in
            guard s.stopped, !s.finished, s.ended == s.sent else { return false }
            s.finished = true
            return true
        }
        if finish { report(nil) }
    }

    func cancel() {
        let calls = state.withLock { s -> [InFlightCall] in
            s.stopped = true
            return Array(s.inFlight.values)
        }
        for call in calls { call.cancel() }
        finishIfDone()
    }
}

/// One closed-loop stream: a request in flight at a time, the next sent as it completes.
/// Sends are looped rather than nested when a request completes within its own start
/// (a failure before any I/O), so a chain never deepens the stack.
private final class ClosedLoopChain: Sendable {
    private struct State {
        var sending = false
        var again = false
        var againIntended: UInt64?
        var cancelled = false
        var call = InFlightCall()
    }
    private let state = Mutex(State())

    /// `report`: a progress count, or nil once when the chain has ended.
    func next(_ run: LevelRun, intended previousEnd: UInt64?, report: @escaping @Sendable (Int?) -> Void) {
        let proceed = state.withLock { s -> Bool in
            if s.sending { s.again = true; s.againIntended = previousEnd; return false }
            s.sending = true
            return true
        }
        guard proceed else { return }
        var previousEnd = previousEnd
        while true {
            let call = InFlightCall()
            let cancelled = state.withLock { s -> Bool in
                s.call = call
                return s.cancelled
            }
            guard !cancelled, let (index, taken) = run.take() else {
                report(nil)
                return
            }
            let intended = previousEnd ?? taken
            run.send(into: call) { [self] record in
                // The stream is free once this client has handled the end of the response:
                // the next request's intended send time. (The end's own stamp is the kernel's
                // arrival time; the OS waking the event loop up is not the client's dispatch.)
                let handled = MonotonicClock.now()
                if let done = run.completed(record, index: index, intended: intended) { report(done) }
                self.next(run, intended: handled, report: report)
            }
            // Completed within start: loop here instead of nesting.
            let again = state.withLock { s -> UInt64?? in
                guard s.again else { s.sending = false; return nil }
                s.again = false
                return .some(s.againIntended)
            }
            guard let end = again else { return }
            previousEnd = end
        }
    }

    func cancel() {
        let call = state.withLock { s -> InFlightCall in
            s.cancelled = true
            return s.call
        }
        call.cancel()
    }
}


/// What a level's measured requests add up to, as they finish.
public struct LevelAccumulator: Sendable {
    let slo: LoadPlan.SLO
    var ttft = LatencyHistogram()
    var itlPerRead = LatencyHistogram()
    var itlPerRequest = LatencyHistogram()
    var e2e = LatencyHistogram()
    var dispatchLag = LatencyHistogram()
    var measured = 0
    var ok = 0
    var good = 0
    var errors: [String: Int] = [:]
    /// The first message of each error class (already scrubbed of secrets), to say why.
    var errorExamples: [String: String] = [:]
    var outputTokens = 0
    var sumE2EMs = 0.0
    var firstIntended = UInt64.max
    var lastEnd: UInt64 = 0

    public init(slo: LoadPlan.SLO) { self.slo = slo }

    /// One finished request, reduced to what the level adds up: computed outside the
    /// level's lock, so concurrent requests only contend for the additions.
    public struct Sample: Sendable {
        let intended: UInt64
        let t0: UInt64
        let end: UInt64
        let failure: String?
        let failureMessage: String?
        let metrics: RunMetrics

        public init(intended: UInt64, record: CallRecord) {
            self.intended = intended
            t0 = record.t0
            end = record.endAt
            failure = record.failure?.errorClass.description
            failureMessage = record.failure?.message
            metrics = record.metrics(prices: nil)
        }
    }

    /// Adds one measured request; returns how many have been added.
    @discardableResult
    public mutating func add(intended: UInt64, record: CallRecord) -> Int { add(Sample(intended: intended, record: record)) }

    @discardableResult
    public mutating func add(_ s: Sample) -> Int {
        measured += 1
        firstIntended = min(firstIntended, s.intended)
        lastEnd = max(lastEnd, s.end)
        dispatchLag.record(ms: s.t0 > s.intended ? Double(s.t0 - s.intended) / 1e6 : 0)
        let metrics = s.metrics
        sumE2EMs += metrics.totalSeconds * 1000
        if let failure = s.failure {
            errors[failure, default: 0] += 1
            if errorExamples[failure] == nil { errorExamples[failure] = s.failureMessage }
            return measured
        }
        ok += 1
        outputTokens = Saturating.add(outputTokens, metrics.outputTokens)
        e2e.record(ms: metrics.totalSeconds * 1000)
        if let t = metrics.ttftMs { ttft.record(ms: t) }
        if let itl = metrics.itlMs { itlPerRequest.record(ms: itl) }
        for sample in metrics.itlSamplesMs { itlPerRead.record(ms: sample) }
        if !slo.isEmpty, Self.meets(slo, ttft: metrics.ttftMs, itl: metrics.itlMs, e2e: metrics.totalSeconds * 1000) { good += 1 }
        return measured
    }

    /// Goodput rule: every SLO given holds (a missing figure fails its SLO).
    public static func meets(_ slo: LoadPlan.SLO, ttft: Double?, itl: Double?, e2e: Double) -> Bool {
        if let limit = slo.ttftMs, !(ttft.map { $0 <= limit } ?? false) { return false }
        // One output token has no inter-token latency: nothing to fail.
        if let limit = slo.itlMs, let itl, itl > limit { return false }
        if let limit = slo.e2eMs, e2e > limit { return false }
        return true
    }
}

/// CPU seconds used by this process so far (user + system).
public enum ProcessCPU {
    public static func seconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    public static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
