import HostMeasurement
import NIOCore
import Synchronization

/// The times a connection's bytes crossed the socket. Confined to the channel's event
/// loop: ByteStampHandler writes, ExchangeHandler reads in the same call stack.
final class ConnectionClock: @unchecked Sendable {
    /// When the bytes now being parsed reached this host.
    var lastReadAt: UInt64 = 0
    /// The kernel's arrival stamps of the connection's socket (nil: the reads' own times).
    var probe: ReceiveProbe?
    /// Called with the stamp of the next flush (t0), then cleared.
    var onNextFlush: ((UInt64) -> Void)?
}

/// Next to the socket (after TLS, before the exchange): stamps each read with when its
/// bytes arrived and each flush just before it goes to the socket.
final class ByteStampHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let clock: ConnectionClock
    init(clock: ConnectionClock) { self.clock = clock }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The kernel's stamp when it has one (ReceiveStamps.swift), else the read's own time.
        let now = MonotonicClock.now()
        clock.lastReadAt = clock.probe?.arrival(now: now) ?? now
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

/// Receives one exchange as it happens. `sent`, `head`, `body` and `end` are called on the
/// connection's event loop, in order, at the moment the bytes cross the socket (with that
/// moment's stamp); the consumer must do only short, non-blocking work there (decoding a
/// read with a sans-I/O plugin qualifies, and saves a thread hop per read). `body` gets
/// all of one read's body bytes at once, valid only during the call. Exactly one of
/// `end` or `failed` is called, once; `failed` may come from another thread when the
/// exchange fails before it reached a connection.
public protocol ExchangeConsumer: AnyObject, Sendable {
    /// Called by the transport before anything else, with the handle that can abort it.
    func attach(_ exchange: Exchange)
    func sent(at: UInt64)
    func head(status: Int, headers: [(String, String)], at: UInt64)
    func body(_ bytes: UnsafeRawBufferPointer, at: UInt64)
    func end(at: UInt64)
    func failed(_ error: TransportError)
}

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

/// A connection's current exchange, fed the connection's reads: what each read held goes to
/// the exchange with the read's arrival stamp. The one response reader of both drivers
/// (the socket loop's connections and the NIO channel's handler).
struct ExchangeReader {
    enum Outcome {
        case more
        /// The response ended; `reusable`: the connection may carry another request.
        case ended(reusable: Bool)
        case failed(TransportError)
    }

    private var parser = HTTP1ResponseParser()

    mutating func expectResponse(toMethod method: String) { parser.expectResponse(toMethod: method) }

    var isAwaitingHead: Bool { parser.isAwaitingHead }

    mutating func read(_ bytes: UnsafeMutableRawBufferPointer, at: UInt64, into exchange: Exchange) -> Outcome {
        let parts: HTTP1ResponseParser.Parts
        do {
            parts = try parser.parse(bytes)
        } catch {
            return .failed(error)
        }
        if let head = parts.head { exchange.head(status: head.status, headers: head.headers, at: at) }
        if !parts.body.isEmpty { exchange.body(UnsafeRawBufferPointer(rebasing: bytes[parts.body]), at: at) }
        guard parts.ended else { return .more }
        return .ended(reusable: parser.keepAlive && parts.trailing == 0 && !exchange.isFinished)
    }

    /// The connection reached end of file.
    mutating func closed() -> Outcome {
        do {
            return try parser.closed() ? .ended(reusable: false) : .more
        } catch {
            return .failed(error)
        }
    }
}

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

/// The NIO driver's end of an exchange (TLS connections): reads go through the one
/// response reader, stamped with the time their bytes arrived, and the first-byte, idle
/// and total timeouts are timers on the channel's event loop.
final class ExchangeHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let clock: ConnectionClock
    private var exchange: Exchange?
    private var reader = ExchangeReader()
    private var onDone: ((Bool) -> Void)?
    private var firstByteTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var totalTimer: Scheduled<Void>?
    private var idleTimeout: TimeAmount = .seconds(60)
    private var lastActivity: NIODeadline = .now()
    private weak var channel: (any Channel)?

    init(clock: ConnectionClock) { self.clock = clock }

    /// Called on the event loop before the request is written.
    func begin(_ exchange: Exchange, method: String, timeouts: Transport.Timeouts, context channel: any Channel,
               onDone: @escaping (Bool) -> Void) {
        self.exchange = exchange
        self.onDone = onDone
        self.channel = channel
        self.idleTimeout = timeouts.idle
        reader.expectResponse(toMethod: method)
        clock.onNextFlush = { at in exchange.sent(at: at) }
        let loop = channel.eventLoop
        firstByteTimer = loop.scheduleTask(in: timeouts.firstByte) { [weak self] in self?.timeout("first byte") }
        totalTimer = loop.scheduleTask(in: timeouts.total) { [weak self] in self?.timeout("total") }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange else { return }
        let at = clock.lastReadAt
        var buffer = unwrapInboundIn(data)
        let outcome = buffer.withUnsafeMutableReadableBytes { reader.read($0, at: at, into: exchange) }
        if !reader.isAwaitingHead {
            firstByteTimer?.cancel()
            armIdle(context.eventLoop)
        }
        switch outcome {
        case .more:
            break
        case .ended(let reusable):
            // Back to the pool first, so a consumer that immediately sends the next request
            // on this host finds the connection idle.
            complete(reusable: reusable)
            exchange.end(at: at)
        case .failed(let error):
            exchange.fail(error)
            complete(reusable: false)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let exchange {
            switch reader.closed() {
            case .ended:
                complete(reusable: false)
                exchange.end(at: MonotonicClock.now())
            case .failed(let error):
                exchange.fail(error)
                complete(reusable: false)
            case .more:
                exchange.fail(TransportError(.network, "connection closed before the response ended"))
                complete(reusable: false)
            }
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

    /// Notes activity for the idle timeout. One timer per exchange checks the time of
    /// the last activity when it fires and sleeps again for the rest: re-scheduling a
    /// timer on every read cost a cancel and a schedule (two heap operations and an
    /// allocation) per token.
    private func armIdle(_ loop: any EventLoop) {
        lastActivity = .now()
        if idleTimer == nil { scheduleIdleCheck(loop, at: lastActivity + idleTimeout) }
    }

    private func scheduleIdleCheck(_ loop: any EventLoop, at deadline: NIODeadline) {
        idleTimer = loop.scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.idleTimer = nil
            guard self.exchange != nil else { return }
            let due = self.lastActivity + self.idleTimeout
            if due > .now() { self.scheduleIdleCheck(loop, at: due) } else { self.timeout("idle") }
        }
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
