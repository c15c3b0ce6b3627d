import HostMeasurement
import HostProviderCalls
import HostTransport
import Synchronization

/// An open loop's arrivals: each timer sends its request and sets the next timer.
final class OpenLoopDispatcher: Sendable {
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
