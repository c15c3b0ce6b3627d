import HostMeasurement
import HostTransport
import NIOCore

/// Next to the socket: stamps every read as it arrives and every flush just before the
/// encoded bytes are written to the socket.
final class SocketStampHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let clock: SocketClock
    init(clock: SocketClock) { self.clock = clock }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // When the request reached this host (the kernel's stamp), not when this event loop
        // woke up to read it: the schedule and the ground truth count from there.
        let now = MonotonicClock.now()
        clock.lastReadAt = clock.probe?.arrival(now: now) ?? now
        context.fireChannelRead(data)
    }

    func flush(context: ChannelHandlerContext) {
        clock.lastFlushAt = MonotonicClock.now()
        context.flush()
    }
}
