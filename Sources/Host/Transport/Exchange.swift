import Synchronization

/// One request in flight: forwards events to its consumer until it ends, and can be
/// aborted from any thread.
public final class Exchange: Sendable {
    private struct State {
        var finished = false
        var cancelled = false
        /// Set by the connection carrying it: aborts it there, on its thread.
        var abort: (@Sendable () -> Void)?
    }
    private let consumer: any ExchangeConsumer
    private let state = Mutex(State())
    /// MonotonicClock time the exchange was started (before any connection work).
    public let startedAt: UInt64

    init(consumer: any ExchangeConsumer, startedAt: UInt64) {
        self.consumer = consumer
        self.startedAt = startedAt
    }

    /// Binds the connection, with how to abort the exchange there (on the connection's own
    /// thread: fail it as cancelled and close); false when it was already cancelled or failed.
    func attach(abort: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { s in
            guard !s.cancelled && !s.finished else { return false }
            s.abort = abort
            return true
        }
    }

    var isFinished: Bool { state.withLock { $0.finished } }

    private func markFinished() -> Bool {
        state.withLock { s in
            defer { s.finished = true }
            return !s.finished
        }
    }

    func sent(at: UInt64) { if !isFinished { consumer.sent(at: at) } }
    func head(status: Int, headers: [(String, String)], at: UInt64) { if !isFinished { consumer.head(status: status, headers: headers, at: at) } }
    func body(_ bytes: UnsafeRawBufferPointer, at: UInt64) { if !isFinished { consumer.body(bytes, at: at) } }
    func end(at: UInt64) { if markFinished() { consumer.end(at: at) } }
    func fail(_ error: TransportError) { if markFinished() { consumer.failed(error) } }

    /// Aborts the request: the connection is closed and the consumer gets `cancelled`.
    /// On the connection's thread when there is one, so it never races a read.
    public func cancel() {
        let abort = state.withLock { s -> (@Sendable () -> Void)? in
            s.cancelled = true
            return s.finished ? nil : s.abort
        }
        if let abort { abort() } else { fail(TransportError(.cancelled, "cancelled")) }
    }
}
