import HTTPTypes
import HostMeasurement
import HostTransport
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// When the bytes of a simulated exchange crossed the socket: stamped by SocketStampHandler
/// (first in the pipeline, raw bytes) and read by WireStampHandler (after the HTTP codec,
/// where requests and responses are known). Confined to the channel's event loop.
final class SocketClock: @unchecked Sendable {
    var lastReadAt: UInt64 = 0
    var lastFlushAt: UInt64 = 0
    /// The kernel's arrival stamps of the connection's socket (nil: the reads' own times).
    var probe: ReceiveProbe?
}

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

/// After the HTTP codec: ties the socket stamps to simulated requests. The receive stamp
/// of a request head reaches the route handler in the X-Sim-Received-Ns header; the flush
/// stamps of a response's body writes go to the ground-truth log under the response's
/// X-Sim-Request-Id (HTTP/1.1 serves one response at a time per connection).
final class WireStampHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let receivedHeader = HTTPField.Name("X-Sim-Received-Ns")!

    private let log: GroundTruthLog
    private let clock: SocketClock
    private var currentID: String?
    private var unflushedBodyWrites = 0
    private var ended = false

    init(log: GroundTruthLog, clock: SocketClock) {
        self.log = log
        self.clock = clock
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(var head) = unwrapInboundIn(data) {
            head.headerFields[Self.receivedHeader] = String(clock.lastReadAt)
            context.fireChannelRead(wrapInboundOut(.head(head)))
        } else {
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            currentID = head.headerFields[.init("X-Sim-Request-Id")!]
            unflushedBodyWrites = 0
            ended = false
        case .body:
            if currentID != nil { unflushedBodyWrites += 1 }
        case .end:
            ended = true
        }
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        // Encoding and SocketStampHandler's stamp happen synchronously inside this call.
        context.flush()
        if let id = currentID, unflushedBodyWrites > 0 {
            log.addWireStamps(id, count: unflushedBodyWrites, at: clock.lastFlushAt)
            unflushedBodyWrites = 0
        }
        if ended { currentID = nil }
    }
}

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
