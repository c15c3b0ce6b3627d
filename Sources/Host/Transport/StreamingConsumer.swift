import NIOCore

/// Forwards an exchange into an AsyncThrowingStream of events (for callers that want to
/// await the bytes rather than handle them on the event loop).
final class StreamingConsumer: ExchangeConsumer {
    private let continuation: AsyncThrowingStream<Transport.Event, any Error>.Continuation
    init(continuation: AsyncThrowingStream<Transport.Event, any Error>.Continuation) { self.continuation = continuation }
    func attach(_ exchange: Exchange) {
        continuation.onTermination = { termination in
            if case .cancelled = termination { exchange.cancel() }
        }
    }
    func sent(at: UInt64) { continuation.yield(.sent(at: at)) }
    func head(status: Int, headers: [(String, String)], at: UInt64) { continuation.yield(.head(status: status, headers: headers, at: at)) }
    func body(_ bytes: UnsafeRawBufferPointer, at: UInt64) { continuation.yield(.body(ByteBuffer(bytes: bytes), at: at)) }
    func end(at: UInt64) {
        continuation.yield(.end(at: at))
        continuation.finish()
    }
    func failed(_ error: TransportError) { continuation.finish(throwing: error) }
}
