import HostMeasurement
import HostProviderCalls
import Synchronization

/// One closed-loop stream: a request in flight at a time, the next sent as it completes.
/// Sends are looped rather than nested when a request completes within its own start
/// (a failure before any I/O), so a chain never deepens the stack.
final class ClosedLoopChain: Sendable {
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
