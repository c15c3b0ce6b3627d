import HostMeasurement
import NIOCore

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
