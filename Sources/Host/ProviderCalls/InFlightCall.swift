import HostTransport
import Synchronization

/// A handle on one measured call, to cancel it from any thread (before it starts, too).
public final class InFlightCall: Sendable {
    private let state = Mutex<(consumer: MeasuringConsumer?, cancelled: Bool)>((nil, false))

    public init() {}

    /// False when the call was cancelled before it could start.
    func bind(_ consumer: MeasuringConsumer) -> Bool {
        state.withLock { s in
            s.consumer = consumer
            return !s.cancelled
        }
    }

    public func cancel() {
        let consumer = state.withLock { s -> MeasuringConsumer? in
            s.cancelled = true
            return s.consumer
        }
        consumer?.cancel()
    }
}
