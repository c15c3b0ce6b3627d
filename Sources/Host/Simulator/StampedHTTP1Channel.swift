import HostTransport
import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// Hummingbird's HTTP/1.1 child channel with the two stamping handlers installed.
struct StampedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    /// The last accepted socket's descriptor: the next one is usually just above it.
    private static let lastDescriptor = Atomic<CInt>(2)

    let responder: HTTPChannelHandler.Responder
    let log: GroundTruthLog

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        ReceiveStamps.keepStampingOn()
        let clock = SocketClock()
        let http1 = HTTP1Channel(responder: responder,
                                 configuration: .init(additionalChannelHandlers: [WireStampHandler(log: log, clock: clock)]))
        return channel.eventLoop.makeCompletedFuture {
            // Token events are small writes: Nagle's algorithm would hold one back until the
            // previous segment is acknowledged (up to the client's delayed-ACK timeout).
            try channel.syncOptions?.setOption(.socketOption(.tcp_nodelay), value: 1)
            // Kernel receive stamps, when the accepted socket can be found (NIO keeps its
            // descriptor to itself): see Sources/Host/Transport/ReceiveStamps.swift.
            if let local = channel.localAddress, let remote = channel.remoteAddress,
               let descriptor = ReceiveStamps.descriptor(local: local, remote: remote, hint: Self.lastDescriptor.load(ordering: .relaxed)),
               ReceiveStamps.enable(descriptor) {
                Self.lastDescriptor.store(descriptor, ordering: .relaxed)
                let probe = ReceiveProbe(descriptor: descriptor)
                try probe.install(on: channel)
                clock.probe = probe
            }
            try channel.pipeline.syncOperations.addHandler(SocketStampHandler(clock: clock), position: .first)
        }.flatMap { http1.setup(channel: channel, logger: logger) }
    }

    func handle(value: Value, logger: Logger) async {
        await HTTP1Channel(responder: responder).handle(value: value, logger: logger)
    }
}
