import HTTPTypes
import NIOCore
import NIOHTTPTypes

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
