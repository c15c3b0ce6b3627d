import HostMeasurement
import NIOCore
import NIOHTTP1
import Synchronization

/// The times a connection's bytes crossed the socket. Confined to the channel's event
/// loop: ByteStampHandler writes, ExchangeHandler reads in the same call stack.
final class ConnectionClock: @unchecked Sendable {
    /// When the bytes now being parsed came off the socket.
    var lastReadAt: UInt64 = 0
    /// Called with the stamp of the next flush (t0), then cleared.
    var onNextFlush: ((UInt64) -> Void)?
}

/// Next to the socket (after TLS, before HTTP parsing): stamps each read as it arrives
/// and each flush just before it goes to the socket.
final class ByteStampHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let clock: ConnectionClock
    init(clock: ConnectionClock) { self.clock = clock }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        clock.lastReadAt = MonotonicClock.now()
        context.fireChannelRead(data)
    }

    func flush(context: ChannelHandlerContext) {
        if let stamp = clock.onNextFlush {
            clock.onNextFlush = nil
            stamp(MonotonicClock.now())
        }
        context.flush()
    }
}

/// The consumer's side of one request: an event stream, and the connection to close if
/// the consumer goes away.
final class Exchange: Sendable {
    private struct State {
        var finished = false
        var cancelled = false
        var channel: (any Channel)?
    }
    private let continuation: AsyncThrowingStream<Transport.Event, any Error>.Continuation
    private let state = Mutex(State())

    init(continuation: AsyncThrowingStream<Transport.Event, any Error>.Continuation) {
        self.continuation = continuation
    }

    /// Binds the connection; false when the consumer already left.
    func attach(_ channel: any Channel) -> Bool {
        state.withLock { s in
            guard !s.cancelled && !s.finished else { return false }
            s.channel = channel
            return true
        }
    }

    func yield(_ event: Transport.Event) { continuation.yield(event) }

    func finish() {
        let first = state.withLock { s in defer { s.finished = true }; return !s.finished }
        if first { continuation.finish() }
    }

    func fail(_ error: TransportError) {
        let first = state.withLock { s in defer { s.finished = true }; return !s.finished }
        if first { continuation.finish(throwing: error) }
    }

    var isFinished: Bool { state.withLock { $0.finished } }

    /// The consumer stopped listening: close the connection (aborting the request).
    func cancel() {
        let channel = state.withLock { s -> (any Channel)? in
            s.cancelled = true
            return s.finished ? nil : s.channel
        }
        fail(TransportError(.cancelled, "cancelled"))
        channel?.close(promise: nil)
    }
}

/// Turns parsed response parts into Transport events, stamped with the time their bytes
/// arrived, and enforces the first-byte, idle and total timeouts.
final class ExchangeHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private let clock: ConnectionClock
    private var exchange: Exchange?
    private var keepAlive = true
    private var onDone: ((Bool) -> Void)?
    private var firstByteTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var totalTimer: Scheduled<Void>?
    private var idleTimeout: TimeAmount = .seconds(60)
    private weak var channel: (any Channel)?

    init(clock: ConnectionClock) { self.clock = clock }

    /// Called on the event loop before the request is written.
    func begin(_ exchange: Exchange, timeouts: Transport.Timeouts, context channel: any Channel, onDone: @escaping (Bool) -> Void) {
        self.exchange = exchange
        self.onDone = onDone
        self.keepAlive = true
        self.channel = channel
        self.idleTimeout = timeouts.idle
        clock.onNextFlush = { at in exchange.yield(.sent(at: at)) }
        let loop = channel.eventLoop
        firstByteTimer = loop.scheduleTask(in: timeouts.firstByte) { [weak self] in self?.timeout("first byte") }
        totalTimer = loop.scheduleTask(in: timeouts.total) { [weak self] in self?.timeout("total") }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange else { return }
        let at = clock.lastReadAt
        switch unwrapInboundIn(data) {
        case .head(let head):
            firstByteTimer?.cancel()
            keepAlive = head.isKeepAlive
            exchange.yield(.head(status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, at: at))
            armIdle(context.eventLoop)
        case .body(let buffer):
            exchange.yield(.body(buffer, at: at))
            armIdle(context.eventLoop)
        case .end:
            exchange.yield(.end(at: at))
            complete(reusable: keepAlive && !exchange.isFinished)
            exchange.finish()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let exchange {
            exchange.fail(TransportError(.network, "connection closed before the response ended"))
            complete(reusable: false)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let exchange {
            exchange.fail(TransportError(.network, "connection error: \(error)"))
            complete(reusable: false)
        }
        context.close(promise: nil)
    }

    private func armIdle(_ loop: any EventLoop) {
        idleTimer?.cancel()
        idleTimer = loop.scheduleTask(in: idleTimeout) { [weak self] in self?.timeout("idle") }
    }

    private func timeout(_ phase: String) {
        guard let exchange else { return }
        exchange.fail(TransportError(.timeout, "no data within the \(phase) timeout"))
        complete(reusable: false)
        channel?.close(promise: nil)
    }

    private func complete(reusable: Bool) {
        firstByteTimer?.cancel()
        idleTimer?.cancel()
        totalTimer?.cancel()
        firstByteTimer = nil
        idleTimer = nil
        totalTimer = nil
        exchange = nil
        clock.onNextFlush = nil
        let done = onDone
        onDone = nil
        done?(reusable)
    }
}
