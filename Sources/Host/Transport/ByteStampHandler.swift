import HostMeasurement
import NIOCore

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
